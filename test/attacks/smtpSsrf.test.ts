import { PgDatabase } from "@poststack/adapters-persistence"
import { type Handover, MailTransport, type PeriodicTask } from "@poststack/application"
import { NodemailerMailTransport } from "@poststack/adapters-smtp"
import { jobs, WorkerLive } from "@poststack/runtime"
import { ConfigProvider, Effect, Layer, ManagedRuntime, Redacted } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { query } from "../support/database.js"
import { testServices } from "../support/server.js"
import { type SmtpSink, startSmtpSink } from "../support/smtpSink.js"
import { request, startTwoTeams, type TwoTeams } from "./harness.js"

const noTasks: ReadonlyArray<PeriodicTask<never, never>> = []

/**
 * Recipient domains whose mail servers sit where no outbound mail may go. Only the test's DNS
 * server hears of these addresses: the worker must refuse them before any connection, and the
 * spy below makes sure nothing reaches a socket even if it did not.
 */
const HOSTILE: ReadonlyArray<{
  readonly domain: string
  readonly records: ReadonlyArray<[string, "MX" | "A" | "AAAA", string]>
  readonly named: RegExp
}> = [
  {
    domain: "private.test",
    records: [
      ["private.test", "MX", "mx.private.test"],
      ["mx.private.test", "A", "10.1.2.3"]
    ],
    named: /mx\.private\.test → 10\.1\.2\.3: private/
  },
  {
    domain: "metadata.test",
    records: [
      ["metadata.test", "MX", "mx.metadata.test"],
      ["mx.metadata.test", "A", "169.254.169.254"]
    ],
    named: /169\.254\.169\.254: metadata/
  },
  {
    domain: "loopback.test",
    records: [
      ["loopback.test", "MX", "mx.loopback.test"],
      ["mx.loopback.test", "A", "127.0.0.1"]
    ],
    named: /127\.0\.0\.1: loopback/
  },
  {
    domain: "linklocal.test",
    records: [
      ["linklocal.test", "MX", "mx.linklocal.test"],
      ["mx.linklocal.test", "A", "169.254.7.7"]
    ],
    named: /169\.254\.7\.7: link-local/
  },
  {
    // No MX: the domain's own address is the fallback, and it is judged the same way.
    domain: "cgnat.test",
    records: [["cgnat.test", "A", "100.64.0.9"]],
    named: /cgnat\.test → 100\.64\.0\.9: cgnat/
  },
  {
    domain: "unique-local.test",
    records: [
      ["unique-local.test", "MX", "mx.unique-local.test"],
      ["mx.unique-local.test", "AAAA", "fd00::25"]
    ],
    named: /fd00::25: private/
  },
  {
    domain: "unspecified.test",
    records: [
      ["unspecified.test", "MX", "mx.unspecified.test"],
      ["mx.unspecified.test", "A", "0.0.0.0"]
    ],
    named: /0\.0\.0\.0: unspecified/
  },
  {
    domain: "multicast.test",
    records: [
      ["multicast.test", "MX", "mx.multicast.test"],
      ["mx.multicast.test", "A", "224.0.0.25"]
    ],
    named: /224\.0\.0\.25: multicast/
  },
  {
    // Every host refused, each named: a backup MX does not open a way in.
    domain: "mixed.test",
    records: [
      ["mixed.test", "MX", "mx1.mixed.test"],
      ["mx1.mixed.test", "A", "192.168.1.25"],
      ["mixed.test", "MX", "mx2.mixed.test"],
      ["mx2.mixed.test", "A", "127.0.0.1"],
      ["mx2.mixed.test", "AAAA", "::1"]
    ],
    named:
      /mx1\.mixed\.test → 192\.168\.1\.25: private.*mx2\.mixed\.test → 127\.0\.0\.1: loopback.*::1: loopback/
  }
]

describe("outbound SMTP is not a way into private networks", () => {
  let teams: TwoTeams
  let sink: SmtpSink
  let worker: ManagedRuntime.ManagedRuntime<never, unknown>
  /** Every handover the worker made to the transport: none of them may name a refused address. */
  const handovers: Array<Handover> = []

  beforeAll(async () => {
    teams = await startTwoTeams()
    // A real receiver on the loopback address the hostile MX records name: it must hear nothing.
    sink = await startSmtpSink()
    for (const { records } of HOSTILE)
      for (const [name, type, value] of records) teams.dns.publish(name, type, value)
    // The worker as production builds it (private MX refused, the default), its transport spied
    // on: a handover is recorded and answered with a deferral, never passed to a socket.
    const services = testServices({ dnsServers: [teams.dns.address], mxPort: sink.port })
    const spy = Layer.effect(
      MailTransport,
      Effect.map(MailTransport, (real) =>
        MailTransport.of({
          ...real,
          deliver: (handover) =>
            Effect.sync(() => {
              handovers.push(handover)
              return { _tag: "Deferred" as const, reply: "451 4.4.1 the spy never connects", mx: null }
            })
        })
      )
    ).pipe(Layer.provide(services))
    worker = ManagedRuntime.make(
      WorkerLive.layer(noTasks, jobs).pipe(
        Layer.provide(Layer.merge(services, spy)),
        Layer.provide(PgDatabase.layer(Redacted.make(teams.db.url), { maxConnections: 3 }))
      )
    )
    await worker.runPromise(Effect.void)
  })
  afterAll(async () => {
    await worker.dispose()
    await sink.close()
    await teams.close()
  })

  it("fails mail to MX hosts at loopback, private, link-local, CGNAT, unique-local, metadata, unspecified and multicast addresses before any connection", async () => {
    const sent = new Map<string, string>()
    for (const { domain } of HOSTILE) {
      const res = await request(teams.server.baseUrl, teams.keyA, "POST", "/emails", {
        from: "orders@a.test",
        to: [`someone@${domain}`],
        subject: "Probe",
        text: "Hello"
      })
      expect(res.status).toBe(202)
      sent.set(domain, String(res.body.id))
    }
    const deadline = Date.now() + 20_000
    const settled = async () =>
      query<{ public_id: string; status: string }>(
        teams.db.url,
        "SELECT public_id, status FROM emails WHERE public_id = ANY($1)",
        [[...sent.values()]]
      )
    while (
      (await settled()).some((e) => e.status !== "failed") &&
      Date.now() < deadline &&
      handovers.length === 0
    )
      await new Promise((r) => setTimeout(r, 100))
    expect(handovers.flatMap((h) => h.hosts)).toEqual([])
    expect(sink.connections()).toBe(0)
    for (const { domain, named } of HOSTILE) {
      const id = sent.get(domain) ?? ""
      const email = await request(teams.server.baseUrl, teams.keyA, "GET", `/emails/${id}`)
      expect({ domain, status: (email.body.email as { status: string }).status }).toEqual({
        domain,
        status: "failed"
      })
      const events = (await request(teams.server.baseUrl, teams.keyA, "GET", `/emails/${id}/events`)).body
        .events as Array<{ eventType: string; metadata: Record<string, unknown> }>
      expect(events.map((e) => e.eventType)).toEqual(["queued", "failed"])
      const failed = events[1]?.metadata ?? {}
      expect(failed.reason).toMatch(named)
      expect(failed.reason).toMatch(/mail goes to public addresses only$/)
      expect(failed.reply).toMatch(/^554 5\.4\.4 not sent: /)
      // Permanent: the delivery is final (never claimed again), and its recipient is not suppressed.
      const [delivery] = await query<{ status: string }>(
        teams.db.url,
        "SELECT d.status FROM deliveries d JOIN emails e ON e.id = d.email_id WHERE e.public_id = $1",
        [id]
      )
      expect(delivery).toEqual({ status: "failed" })
    }
    expect(await query(teams.db.url, "SELECT * FROM suppressions")).toEqual([])
    // The webhook outbox tells the same story.
    const outbox = await query<{ payload: { reason: string } }>(
      teams.db.url,
      "SELECT payload FROM events WHERE type = 'email.failed' AND payload->>'email_id' = $1",
      [sent.get("metadata.test")]
    )
    expect(outbox[0]?.payload.reason).toMatch(/169\.254\.169\.254: metadata/)
  })
})

describe("POSTSTACK_SMTP_ALLOW_PRIVATE_MX", () => {
  const allowed = (env: Record<string, string>) =>
    Effect.runPromise(
      Effect.map(MailTransport, (transport) => transport.allowPrivateMx).pipe(
        Effect.provide(NodemailerMailTransport.layerConfig),
        Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env))))
      )
    )

  it("is off unless set, and `true` lets private MX hosts through", async () => {
    expect(await allowed({})).toBe(false)
    expect(await allowed({ POSTSTACK_SMTP_ALLOW_PRIVATE_MX: "false" })).toBe(false)
    expect(await allowed({ POSTSTACK_SMTP_ALLOW_PRIVATE_MX: "true" })).toBe(true)
  })
})
