import { createTestDatabase } from "../support/database.js"
import { startDnsServer, type TestDnsServer } from "../support/dnsServer.js"
import { addVerifiedDomain } from "../support/domains.js"
import { sdk } from "../support/sdkClient.js"
import { startTestServer, TEST_ENCRYPTION_KEY, type TestServer } from "../support/server.js"
import { type SmtpSink, startSmtpSink } from "../support/smtpSink.js"

/** What every broadcast test stands on; `close` takes it all down again. */
export interface BroadcastStage {
  readonly db: Awaited<ReturnType<typeof createTestDatabase>>
  readonly dns: TestDnsServer
  /** Takes the mail for receiver.test, where every audience lives. */
  readonly sink: SmtpSink
  readonly server: TestServer
  /** The first team's key, and a client that uses it. */
  readonly key: string
  readonly client: ReturnType<typeof sdk>
  /** A worker's environment that resolves through `dns` and delivers into `sink`. */
  readonly workerEnv: Record<string, string>
  readonly close: () => Promise<void>
}

/** A server on a fresh database whose first team has `domain` verified, mail for receiver.test going to a sink. */
export const startBroadcastStage = async (domain: string): Promise<BroadcastStage> => {
  const db = await createTestDatabase()
  const dns = await startDnsServer()
  const sink = await startSmtpSink()
  const server = await startTestServer({ databaseUrl: db.url, dnsServers: [dns.address] })
  const key = (await server.bootstrap()) ?? ""
  const client = sdk(key, { baseUrl: server.baseUrl })
  await addVerifiedDomain(server.baseUrl, key, dns, domain)
  dns.publish("receiver.test", "MX", "mx.receiver.test")
  dns.publish("mx.receiver.test", "A", "127.0.0.1")
  return {
    db,
    dns,
    sink,
    server,
    key,
    client,
    workerEnv: {
      DATABASE_URL: db.url,
      POSTSTACK_ENCRYPTION_KEY: TEST_ENCRYPTION_KEY,
      POSTSTACK_DNS_SERVERS: dns.address,
      POSTSTACK_MX_PORT: String(sink.port),
      POSTSTACK_SMTP_ALLOW_PRIVATE_MX: "true"
    },
    close: async () => {
      await server.close()
      await sink.close()
      await dns.close()
      await db.drop()
    }
  }
}
