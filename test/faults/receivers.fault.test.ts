import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { Running } from "../apps/processes.js"
import { createTestDatabase, query } from "../support/database.js"
import { startDnsServer, type TestDnsServer } from "../support/dnsServer.js"
import { addVerifiedDomain } from "../support/domains.js"
import { freePort } from "../support/net.js"
import { type SmtpSink, startSmtpSink } from "../support/smtpSink.js"
import { arrivals, newKey, processEnv, SCALE, startApi, startWorker, waitUntil } from "./harness.js"

type Behaviour = "accept" | "greylist" | "refuse" | "hang" | "drop"
const behaviours: ReadonlyArray<Behaviour> = ["accept", "greylist", "refuse", "hang", "drop"]

describe("receivers that refuse, stall, hang and cut the line", () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>
  let dns: TestDnsServer
  let sink: SmtpSink
  // The troubled receivers are another host (same port, another loopback address), as in life.
  let troubledSink: SmtpSink
  const running: Array<Running> = []

  beforeAll(async () => {
    db = await createTestDatabase()
    dns = await startDnsServer()
    sink = await startSmtpSink()
    troubledSink = await startSmtpSink({ host: "127.0.0.2", port: sink.port })
    dns.publish("receiver.test", "MX", "mx.receiver.test")
    dns.publish("mx.receiver.test", "A", "127.0.0.1")
    dns.publish("troubled.test", "MX", "mx.troubled.test")
    dns.publish("mx.troubled.test", "A", "127.0.0.2")
  })
  afterAll(async () => {
    for (const p of running) await p.stop("SIGKILL")
    await sink.close()
    await troubledSink.close()
    await dns.close()
    await db.drop()
  })

  it("delivers everything deliverable once, bounces the refused, and a hanging receiver holds up no one else", async () => {
    const key = newKey()
    const port = await freePort()
    const baseUrl = `http://127.0.0.1:${port}`
    running.push(await startApi(processEnv({ databaseUrl: db.url, dns, sink, port, key })))
    await addVerifiedDomain(baseUrl, key, dns, "senders.test")
    const count = 50 * SCALE
    const mail = Array.from({ length: count }, (_, i) => {
      const behaviour = behaviours[i % behaviours.length] as Behaviour
      return { recipient: `r${i}@${behaviour === "accept" ? "receiver" : "troubled"}.test`, behaviour }
    })
    for (const m of mail) {
      if (m.behaviour === "greylist")
        troubledSink.replies.set(m.recipient, "451 4.7.1 greylisted, come back later")
      if (m.behaviour === "refuse") troubledSink.replies.set(m.recipient, "550 5.1.1 no such user")
      if (m.behaviour === "hang" || m.behaviour === "drop")
        troubledSink.afterDot.set(m.recipient, m.behaviour)
    }
    const ids = new Map<string, string>()
    for (const m of mail) {
      const res = await fetch(`${baseUrl}/emails`, {
        method: "POST",
        headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
        body: JSON.stringify({ from: "a@senders.test", to: [m.recipient], subject: "Hi", text: "Hello" })
      })
      expect(res.status).toBe(202)
      ids.set(m.recipient, ((await res.json()) as { id: string }).id)
    }
    const worker = startWorker(
      processEnv({
        databaseUrl: db.url,
        dns,
        sink,
        extra: { POSTSTACK_SMTP_SOCKET_TIMEOUT_MS: "2000", POSTSTACK_SMTP_SLOT_WAIT_MS: "500" }
      })
    )
    running.push(worker)
    const healthy = mail.filter((m) => m.behaviour === "accept").map((m) => m.recipient)
    // The healthy mail arrives while the hanging sessions still wait for their timeout.
    await waitUntil(() => arrivals(sink, healthy).missing.length === 0, 30_000, worker.output)
    const [hanging] = await query<{ n: number }>(
      db.url,
      "SELECT count(*)::int AS n FROM deliveries WHERE recipient LIKE '%@troubled.test' AND status = 'sending'"
    )
    expect(hanging?.n).toBeGreaterThan(0)

    const statusOf = async (recipient: string) =>
      (
        await query<{ status: string }>(
          db.url,
          "SELECT d.status FROM deliveries d JOIN emails e ON e.id = d.email_id WHERE e.public_id = $1",
          [ids.get(recipient)]
        )
      )[0]?.status
    const troubled = mail.filter((m) => m.behaviour !== "accept")
    let pending: Array<string> = []
    await waitUntil(
      async () => {
        pending = []
        for (const m of troubled) {
          const status = await statusOf(m.recipient)
          if (status === "sending" || status === "queued") pending.push(`${m.behaviour}: ${status}`)
        }
        return pending.length === 0
      },
      // Every hanging session holds one of the destination's 4 connections for the 2 s timeout, so
      // settling them all takes at least (hanging / 4) x 2 s: 25 s at scale 5.
      30_000 * SCALE,
      () => `still moving: ${pending.join(", ")}\n${worker.output()}`
    )
    for (const m of troubled)
      expect([m.recipient, await statusOf(m.recipient)]).toEqual([
        m.recipient,
        m.behaviour === "refuse" ? "bounced" : "deferred"
      ])

    // The receivers recover; the retries come due (the schedule is minutes: moved forward here).
    troubledSink.replies.clear()
    for (const m of mail)
      if (m.behaviour === "refuse") troubledSink.replies.set(m.recipient, "550 5.1.1 no such user")
    troubledSink.afterDot.clear()
    await query(db.url, "UPDATE deliveries SET next_attempt_at = now() WHERE status = 'deferred'")
    // Both hosts' mail, for the checks that do not care where it arrived.
    const everything = () =>
      ({ received: [...sink.received, ...troubledSink.received] }) as unknown as SmtpSink
    const deliverable = mail.filter((m) => m.behaviour !== "refuse").map((m) => m.recipient)
    await waitUntil(() => arrivals(everything(), deliverable).missing.length === 0, 30_000, worker.output)

    const result = arrivals(everything(), deliverable)
    expect(result.duplicated).toEqual([])
    const refused = mail.filter((m) => m.behaviour === "refuse").map((m) => m.recipient)
    expect(arrivals(troubledSink, refused).missing).toEqual(refused)
    const suppressed = await query<{ email: string }>(
      db.url,
      "SELECT email FROM suppressions WHERE reason = 'hard_bounce'"
    )
    expect(suppressed.map((s) => s.email).sort()).toEqual([...refused].sort())
    // The retried copies are the messages first tried: same Message-ID.
    for (const m of mail.filter((m) => m.behaviour === "hang" || m.behaviour === "drop")) {
      const [row] = await query<{ message_id: string }>(
        db.url,
        "SELECT message_id FROM emails WHERE public_id = $1",
        [ids.get(m.recipient)]
      )
      const copy = troubledSink.received.find((r) => r.to.includes(m.recipient))
      expect(copy?.raw.toString()).toContain(`Message-ID: ${row?.message_id}`)
      const events = await query<{ event_type: string; reply: string | null }>(
        db.url,
        "SELECT ev.event_type, ev.metadata->>'reply' AS reply FROM email_events ev JOIN emails e ON e.id = ev.email_id WHERE e.public_id = $1 ORDER BY ev.id",
        [ids.get(m.recipient)]
      )
      expect(events.map((e) => e.event_type)).toEqual(["queued", "deferred", "sent", "delivered"])
      expect(events[1]?.reply).toMatch(/^4\d\d /)
    }
    console.log(
      `receivers: ${count} messages; the healthy ones were all in while ${hanging?.n} troubled deliveries were still in flight`
    )
  }, 120_000)
})
