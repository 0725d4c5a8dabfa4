import { PgDatabase } from "@poststack/adapters-persistence"
import type { PeriodicTask } from "@poststack/application"
import { jobs, WorkerLive } from "@poststack/runtime"
import { Effect, Layer, ManagedRuntime, Redacted } from "effect"
import { createTestDatabase } from "../support/database.js"
import { startDnsServer, type TestDnsServer } from "../support/dnsServer.js"
import { addVerifiedDomain } from "../support/domains.js"
import { startTestServer, type TestServer, type TestServerOptions, testServices } from "../support/server.js"
import { type SmtpSink, startSmtpSink } from "../support/smtpSink.js"

const noTasks: ReadonlyArray<PeriodicTask<never, never>> = []

export interface AccountsWorld {
  readonly db: Awaited<ReturnType<typeof createTestDatabase>>
  readonly dns: TestDnsServer
  readonly sink: SmtpSink
  readonly server: TestServer
  /** The bootstrap team's full-access key. */
  readonly key: string
  readonly close: () => Promise<void>
}

/** The system sender, on a domain the bootstrap team verified. */
export const SYSTEM_FROM = "PostStack <no-reply@system.test>"

/**
 * The API with system mail set up, and a worker delivering it to an SMTP sink that receives for
 * `people.test`, where every person of these tests has their mailbox.
 */
export const startAccountsWorld = async (
  options: Partial<TestServerOptions> = {},
  /** The worker's webhook transport; by default loopback is refused, as in production. */
  workerWebhooks?: { readonly allowLoopback: boolean; readonly timeoutMs: number }
): Promise<AccountsWorld> => {
  const db = await createTestDatabase()
  const dns = await startDnsServer()
  const sink = await startSmtpSink({ starttls: false })
  const server = await startTestServer({
    databaseUrl: db.url,
    dnsServers: [dns.address],
    systemFrom: SYSTEM_FROM,
    ...options
  })
  const key = (await server.bootstrap()) ?? ""
  await addVerifiedDomain(server.baseUrl, key, dns, "system.test")
  dns.publish("people.test", "MX", "mx.people.test")
  dns.publish("mx.people.test", "A", "127.0.0.1")
  const worker = ManagedRuntime.make(
    WorkerLive.layer(noTasks, jobs).pipe(
      Layer.provide(
        testServices({
          dnsServers: [dns.address],
          mxPort: sink.port,
          allowPrivateMx: true,
          ...(workerWebhooks === undefined ? {} : { webhooks: workerWebhooks })
        })
      ),
      Layer.provide(PgDatabase.layer(Redacted.make(db.url), { maxConnections: 3 }))
    )
  )
  await worker.runPromise(Effect.void)
  return {
    db,
    dns,
    sink,
    server,
    key,
    close: async () => {
      await worker.dispose()
      await server.close()
      await sink.close()
      await dns.close()
      await db.drop()
    }
  }
}
