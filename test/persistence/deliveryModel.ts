import { SqlClient } from "@effect/sql"
import { type DeliveryResult, DeliveryQueue, EmailRepository, SuppressionList } from "@poststack/application"
import {
  type ClaimedDelivery,
  type DeliveryOutcome,
  type DeliveryStatus,
  type DomainId,
  type EmailStatus,
  type RetryPolicy,
  settleDelivery,
  suppressedAtDelivery,
  type TeamId
} from "@poststack/domain"
import { canCancel, canReschedule } from "@poststack/domain"
import { Effect } from "effect"
import { expect } from "vitest"
import { newEmail } from "../support/newEmail.js"

/** The ports the commands drive, on one real database. */
export type Ports = DeliveryQueue | EmailRepository | SuppressionList | SqlClient.SqlClient

export interface Real {
  readonly run: <A, E>(effect: Effect.Effect<A, E, Ports>) => Promise<A>
  readonly teamId: TeamId
  readonly domainId: DomainId
}

/** The database knows one more delivery status than the domain: waiting for its send time. */
export type RowStatus = DeliveryStatus | "scheduled"

export interface ModelDelivery {
  readonly id: number
  readonly email: ModelEmail
  readonly recipient: string
  readonly firstQueuedAt: Date
  status: RowStatus
  attempts: number
  /** When it may be claimed (`next_attempt_at`). */
  due: number
  /** The claim that holds it now (the newest), and until when. */
  holder: number | null
  leaseUntil: number | null
  /** How many events of each type it has: one outcome per settled attempt, none for a stale one. */
  readonly events: Map<string, number>
}

export interface ModelEmail {
  readonly publicId: string
  status: EmailStatus
  readonly deliveries: Array<ModelDelivery>
  cancelled: boolean
}

/** A claim a worker still has in hand: it records it later, perhaps after its lease ran out. */
export interface Held {
  readonly token: number
  readonly worker: number
  readonly claimed: ClaimedDelivery
  /** Why the model says the recipient was suppressed when the claim was made, if it was. */
  readonly suppressedAtClaim: SuppressionReason | null
}

export type SuppressionReason = "manual" | "hard_bounce"

export interface Model {
  now: number
  readonly emails: Array<ModelEmail>
  readonly deliveries: Map<number, ModelDelivery>
  /** The suppression list, by lower-cased address: an address keeps its first entry's reason. */
  readonly suppressed: Map<string, SuppressionReason>
  readonly held: Array<Held>
  nextToken: number
}

export const POLICY: RetryPolicy = { delaysMs: [2_000, 10_000, 60_000], maxAgeMs: 30 * 60_000 }
export const ADDRESSES = ["ann@rcpt.test", "bob@rcpt.test", "cy@rcpt.test", "dee@rcpt.test", "eve@rcpt.test"]
const TERMINAL = new Set<RowStatus>(["delivered", "bounced", "failed", "suppressed", "cancelled"])
const NOT_STARTED = new Set<RowStatus>(["scheduled", "queued", "suppressed", "cancelled"])

export const newModel = (now: number): Model => ({
  now,
  emails: [],
  deliveries: new Map(),
  suppressed: new Map(),
  held: [],
  nextToken: 1
})

const claimable = (d: ModelDelivery, now: number) =>
  ((d.status === "scheduled" || d.status === "queued" || d.status === "deferred") && d.due <= now) ||
  (d.status === "sending" && (d.leaseUntil ?? 0) < now)

/*
 * The model's own rules, written from the contract and the port documents rather than taken
 * from the product (`settleDelivery`, `aggregateStatus`), so that a change to those shows up here.
 */

/**
 * An email's status from its recipients' deliveries: still moving while any copy is (being
 * sent, then waiting to retry, then waiting its turn, in that order); once all have settled,
 * delivered if anyone got it, else why it went nowhere (bounced, failed, suppressed); cancelled
 * when no copy counts. A copy waiting for its send time counts as waiting its turn.
 */
export const emailStatusOf = (statuses: ReadonlyArray<RowStatus>): EmailStatus => {
  const has = (s: RowStatus) => statuses.includes(s)
  if (has("sending")) return "sending"
  if (has("deferred")) return "deferred"
  if (has("queued") || has("scheduled")) return "queued"
  if (has("delivered")) return "delivered"
  if (has("bounced")) return "bounced"
  if (has("failed")) return "failed"
  if (has("suppressed")) return "suppressed"
  return "cancelled"
}

/** How long a copy whose destination was busy waits before it may be claimed again. */
const BUSY_WAIT_MS = 5_000

/** What the model expects a settled attempt to make of a delivery. */
export interface Settlement {
  readonly status: RowStatus
  /** When it may be claimed again (only for a copy that goes back to waiting). */
  readonly due: number | null
  /** Whether the claim's attempt is given back: a busy destination was never tried. */
  readonly attemptGivenBack: boolean
  readonly events: ReadonlyArray<string>
  readonly suppress: SuppressionReason | null
}

/**
 * The rules an attempt's outcome follows: delivered (sent and delivered events); a temporary
 * failure waits the policy's delay for that attempt (the last delay repeats), never past the
 * maximum age since the copy was queued, and fails for good once that age is reached; a bounce
 * is final, and a hard one puts the address on the list; a busy destination was not tried; a
 * copy whose recipient was on the list when claimed is not sent.
 */
export const expectedSettlement = (
  d: { readonly attempts: number; readonly firstQueuedAt: Date },
  outcome: OutcomeKind | "suppressed",
  now: number
): Settlement => {
  switch (outcome) {
    case "suppressed":
      return {
        status: "suppressed",
        due: null,
        attemptGivenBack: false,
        events: ["suppressed"],
        suppress: null
      }
    case "delivered":
      return {
        status: "delivered",
        due: null,
        attemptGivenBack: false,
        events: ["sent", "delivered"],
        suppress: null
      }
    case "hardBounce":
      return {
        status: "bounced",
        due: null,
        attemptGivenBack: false,
        events: ["bounced"],
        suppress: "hard_bounce"
      }
    case "softBounce":
      return { status: "bounced", due: null, attemptGivenBack: false, events: ["bounced"], suppress: null }
    case "busy":
      return { status: "queued", due: now + BUSY_WAIT_MS, attemptGivenBack: true, events: [], suppress: null }
    case "deferred": {
      const giveUpAt = d.firstQueuedAt.getTime() + POLICY.maxAgeMs
      if (now >= giveUpAt)
        return { status: "failed", due: null, attemptGivenBack: false, events: ["failed"], suppress: null }
      const delays = POLICY.delaysMs
      const wait = delays[Math.min(d.attempts, delays.length) - 1] ?? 0
      return {
        status: "deferred",
        due: Math.min(now + wait, giveUpAt),
        attemptGivenBack: false,
        events: ["deferred"],
        suppress: null
      }
    }
  }
}

/** What the worker records for a claim: the product's own code, which the model checks. */
export const workerResult = (claimed: ClaimedDelivery, kind: OutcomeKind, now: number): DeliveryResult =>
  claimed.suppressedBy !== null
    ? suppressedAtDelivery(claimed, claimed.suppressedBy)
    : settleDelivery(claimed, outcomeOf(kind), new Date(now), POLICY)

/** What the email shows once a worker settles one of its deliveries. */
const settledStatus = (email: ModelEmail): EmailStatus => emailStatusOf(email.deliveries.map((d) => d.status))

const suppressionOf = (m: Model, address: string) => m.suppressed.get(address.toLowerCase()) ?? null

/** Every delivery and email in the database matches the model. */
export const checkInvariants = async (m: Model, r: Real) => {
  const rows = await r.run(
    Effect.flatMap(
      SqlClient.SqlClient,
      (sql) => sql<{
        id: string
        status: RowStatus
        attempts: number
        lease_until: Date | null
        next_attempt_at: Date
      }>`
        SELECT id, status, attempts, lease_until, next_attempt_at FROM deliveries ORDER BY id`
    )
  )
  expect(rows.length, "deliveries in the database").toBe(m.deliveries.size)
  for (const row of rows) {
    const d = m.deliveries.get(Number(row.id))
    if (d === undefined) throw new Error(`delivery ${row.id} is not in the model`)
    const where = `delivery ${d.id} (${d.recipient})`
    if (TERMINAL.has(d.status) && row.status !== d.status)
      throw new Error(`${where} was ${d.status}, a final state, and became ${row.status}`)
    expect(row.status, `${where} status`).toBe(d.status)
    expect(row.attempts, `${where} attempts`).toBe(d.attempts)
    if (d.status === "sending") expect(row.lease_until?.getTime(), `${where} lease`).toBe(d.leaseUntil)
    if (d.status === "scheduled" || d.status === "queued" || d.status === "deferred")
      expect(row.next_attempt_at.getTime(), `${where} next attempt`).toBe(d.due)
  }
  const events = await r.run(
    Effect.flatMap(
      SqlClient.SqlClient,
      (sql) => sql<{ delivery_id: string; event_type: string; n: number }>`
        SELECT delivery_id, event_type, count(*)::int AS n FROM email_events
        WHERE delivery_id IS NOT NULL GROUP BY 1, 2`
    )
  )
  const seen = new Map<number, Map<string, number>>()
  for (const e of events) {
    const forDelivery = seen.get(Number(e.delivery_id)) ?? new Map<string, number>()
    forDelivery.set(e.event_type, e.n)
    seen.set(Number(e.delivery_id), forDelivery)
  }
  for (const d of m.deliveries.values())
    expect(seen.get(d.id) ?? new Map(), `events of delivery ${d.id} (${d.recipient})`).toEqual(d.events)
  const emails = await r.run(
    Effect.flatMap(
      SqlClient.SqlClient,
      (sql) => sql<{ public_id: string; status: EmailStatus }>`SELECT public_id, status FROM emails`
    )
  )
  expect(emails.length, "emails in the database").toBe(m.emails.length)
  const byId = new Map(emails.map((e) => [e.public_id, e.status]))
  for (const e of m.emails) expect(byId.get(e.publicId), `email ${e.publicId} status`).toBe(e.status)
}

type Cmd = { check: (m: Model) => boolean; run: (m: Model, r: Real) => Promise<void>; toString: () => string }

const command = (name: string, run: Cmd["run"], check: Cmd["check"] = () => true): Cmd => ({
  check,
  run: async (m, r) => {
    await run(m, r)
    await checkInvariants(m, r)
  },
  toString: () => name
})

/** Sends to 1–3 of the addresses, now or `scheduleInMs` from now; suppressed ones are recorded as such. */
export const accept = (recipients: ReadonlyArray<number>, scheduleInMs: number | null) =>
  command(
    `accept([${recipients.join(",")}], ${scheduleInMs === null ? "now" : `+${scheduleInMs}ms`})`,
    async (m, r) => {
      const addresses = recipients.map((i) => ADDRESSES[i] ?? "")
      const scheduledAt = scheduleInMs === null ? null : new Date(m.now + scheduleInMs)
      const reasons = await r.run(Effect.flatMap(SuppressionList, (s) => s.reasons(r.teamId, addresses)))
      expect([...reasons.keys()].sort(), "suppressed recipients").toEqual(
        addresses.filter((a) => suppressionOf(m, a) !== null).sort()
      )
      const email = newEmail(
        { teamId: r.teamId, domainId: r.domainId, domainName: "sender.test" },
        addresses,
        {
          subject: "model",
          text: "hello",
          scheduledAt,
          requestHash: "model",
          system: false
        }
      )
      const accepted = await r.run(Effect.flatMap(EmailRepository, (repo) => repo.accept(email)))
      if (accepted._tag !== "Created") throw new Error("accept without an idempotency key did not create")
      const rows = await r.run(
        Effect.flatMap(
          SqlClient.SqlClient,
          (sql) => sql<{ id: string; recipient: string; next_attempt_at: Date; created_at: Date }>`
          SELECT d.id, d.recipient, d.next_attempt_at, d.created_at FROM deliveries d JOIN emails e ON e.id = d.email_id
          WHERE e.public_id = ${accepted.publicId} ORDER BY d.id`
        )
      )
      const statuses = addresses.map(
        (a): RowStatus =>
          suppressionOf(m, a) !== null ? "suppressed" : scheduledAt === null ? "queued" : "scheduled"
      )
      const modelEmail: ModelEmail = {
        publicId: accepted.publicId,
        // Scheduled while any copy waits for its send time; otherwise the usual rule.
        status: statuses.includes("scheduled") ? "scheduled" : emailStatusOf(statuses),
        deliveries: [],
        cancelled: false
      }
      expect(rows.map((row) => row.recipient)).toEqual(addresses)
      rows.forEach((row, i) => {
        const d: ModelDelivery = {
          id: Number(row.id),
          email: modelEmail,
          recipient: row.recipient,
          firstQueuedAt: row.created_at,
          status: statuses[i] ?? "queued",
          attempts: 0,
          // Sent now: due at the real time of the send, which is before the model's clock.
          due: scheduledAt?.getTime() ?? row.next_attempt_at.getTime(),
          holder: null,
          leaseUntil: null,
          events: new Map(statuses[i] === "suppressed" ? [["suppressed", 1]] : [])
        }
        modelEmail.deliveries.push(d)
        m.deliveries.set(d.id, d)
      })
      m.emails.push(modelEmail)
    }
  )

/** Worker `worker` claims up to `limit` due deliveries at the model's clock, for `leaseMs`. */
export const claim = (worker: number, limit: number, leaseMs: number) =>
  command(`claim(worker ${worker}, limit ${limit}, lease ${leaseMs}ms)`, async (m, r) => {
    const eligible = [...m.deliveries.values()].filter((d) => claimable(d, m.now))
    const claimed = await r.run(
      Effect.flatMap(DeliveryQueue, (q) => q.claim({ now: new Date(m.now), limit, leaseMs, testMode: false }))
    )
    expect(new Set(claimed.map((c) => c.id)).size, "one claim per delivery").toBe(claimed.length)
    for (const c of claimed) {
      const d = m.deliveries.get(c.id)
      if (d === undefined) throw new Error(`claimed unknown delivery ${c.id}`)
      if (d.status === "sending" && (d.leaseUntil ?? 0) >= m.now)
        throw new Error(`double claim: delivery ${d.id} is held by claim ${d.holder} until ${d.leaseUntil}`)
      if (d.email.cancelled) throw new Error(`claimed delivery ${d.id} of a cancelled email`)
      if (!claimable(d, m.now))
        throw new Error(`claimed delivery ${d.id} that is ${d.status}, due ${d.due}, at ${m.now}`)
      d.status = "sending"
      d.attempts += 1
      d.holder = m.nextToken++
      d.leaseUntil = m.now + leaseMs
      expect(c.attempts, `attempts of claimed ${d.id}`).toBe(d.attempts)
      expect(c.leaseUntil.getTime()).toBe(d.leaseUntil)
      expect(c.firstQueuedAt.getTime(), `first queued of claimed ${d.id}`).toBe(d.firstQueuedAt.getTime())
      // The claim tells the worker whether the recipient is on the list now (added since the send).
      const suppressedAtClaim = suppressionOf(m, d.recipient)
      expect(c.suppressedBy?.reason ?? null, `suppression of claimed ${d.id} (${d.recipient})`).toBe(
        suppressedAtClaim
      )
      m.held.push({ token: d.holder, worker, claimed: c, suppressedAtClaim })
    }
    expect(claimed.length, "claims every due delivery up to the limit").toBe(Math.min(limit, eligible.length))
  })

export type OutcomeKind = "delivered" | "deferred" | "hardBounce" | "softBounce" | "busy"

export const outcomeOf = (kind: OutcomeKind): DeliveryOutcome => {
  switch (kind) {
    case "delivered":
      return { _tag: "Delivered", reply: "250 2.0.0 ok", mx: "mx.rcpt.test" }
    case "deferred":
      return { _tag: "Deferred", reply: "451 4.3.0 later", mx: "mx.rcpt.test" }
    case "hardBounce":
      return { _tag: "Bounced", reply: "550 5.1.1 no such user", mx: "mx.rcpt.test", hard: true }
    case "softBounce":
      return { _tag: "Bounced", reply: "554 5.0.0 gone", mx: null, hard: false }
    case "busy":
      return { _tag: "Busy", reply: "451 4.4.5 busy", mx: null }
  }
}

/**
 * The worker holding the `index`-th claim in hand records `kind` at the model's clock. A claim
 * another worker took over after its lease ran out is stale: recording it must change nothing.
 */
export const record = (index: number, kind: OutcomeKind) =>
  command(
    `record(held #${index}, ${kind})`,
    async (m, r) => {
      const [held] = m.held.splice(index % m.held.length, 1)
      if (held === undefined) return
      const d = m.deliveries.get(held.claimed.id)
      if (d === undefined) throw new Error(`held an unknown delivery ${held.claimed.id}`)
      await r.run(
        Effect.flatMap(DeliveryQueue, (q) => q.record(held.claimed, workerResult(held.claimed, kind, m.now)))
      )
      if (d.holder !== held.token || d.status !== "sending") return
      const expected = expectedSettlement(d, held.suppressedAtClaim === null ? kind : "suppressed", m.now)
      d.status = expected.status
      if (expected.attemptGivenBack) d.attempts -= 1
      if (expected.due !== null) d.due = expected.due
      d.holder = null
      d.leaseUntil = null
      const address = d.recipient.toLowerCase()
      if (expected.suppress !== null && !m.suppressed.has(address))
        m.suppressed.set(address, expected.suppress)
      for (const e of expected.events) d.events.set(e, (d.events.get(e) ?? 0) + 1)
      d.email.status = settledStatus(d.email)
    },
    (m) => m.held.length > 0
  )

/** Cancels the `index`-th email: only while none of its deliveries has started. */
export const cancel = (index: number) =>
  command(
    `cancel(email #${index})`,
    async (m, r) => {
      const email = m.emails[index % m.emails.length]
      if (email === undefined) return
      const result = await r.run(
        Effect.flatMap(EmailRepository, (repo) => repo.cancel(r.teamId, email.publicId, canCancel))
      )
      const allowed =
        email.deliveries.every((d) => NOT_STARTED.has(d.status)) &&
        email.deliveries.some((d) => d.status === "scheduled" || d.status === "queued")
      expect(result._tag, `cancel of ${email.publicId}`).toBe(allowed ? "Written" : "Refused")
      if (!allowed) return
      for (const d of email.deliveries)
        if (d.status === "scheduled" || d.status === "queued") d.status = "cancelled"
      email.status = "cancelled"
      email.cancelled = true
    },
    (m) => m.emails.length > 0
  )

/** Moves the `index`-th email's send time: only while it is scheduled and nothing of it has started. */
export const reschedule = (index: number, inMs: number) =>
  command(
    `reschedule(email #${index}, +${inMs}ms)`,
    async (m, r) => {
      const email = m.emails[index % m.emails.length]
      if (email === undefined) return
      const at = m.now + inMs
      const result = await r.run(
        Effect.flatMap(EmailRepository, (repo) =>
          repo.reschedule(r.teamId, email.publicId, new Date(at), canReschedule)
        )
      )
      const allowed =
        email.status === "scheduled" &&
        email.deliveries.every((d) => NOT_STARTED.has(d.status)) &&
        email.deliveries.some((d) => d.status === "scheduled")
      expect(result._tag, `reschedule of ${email.publicId}`).toBe(allowed ? "Written" : "Refused")
      if (!allowed) return
      for (const d of email.deliveries) if (d.status === "scheduled") d.due = at
    },
    (m) => m.emails.length > 0
  )

/** Puts an address on the suppression list by hand. */
export const suppress = (index: number) =>
  command(`suppress(${ADDRESSES[index]})`, async (m, r) => {
    const address = ADDRESSES[index] ?? ""
    await r.run(
      Effect.flatMap(
        SqlClient.SqlClient,
        (sql) => sql`
          INSERT INTO suppressions (team_id, email, reason) VALUES (${r.teamId}, ${address}, 'manual')
          ON CONFLICT (team_id, lower(email)) DO NOTHING`
      )
    )
    if (!m.suppressed.has(address.toLowerCase())) m.suppressed.set(address.toLowerCase(), "manual")
  })

export const advance = (ms: number) =>
  command(`advance(${ms}ms)`, async (m) => {
    m.now += ms
  })
