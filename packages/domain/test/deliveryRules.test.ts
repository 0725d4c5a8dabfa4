import { createHash } from "node:crypto"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { DomainId } from "../src/domains/DomainRef.js"
import type { DnsAnswer } from "../src/domains/Verification.js"
import {
  attemptDeadline,
  lateOutcome,
  messageGoneOutcome,
  signingFailedOutcome
} from "../src/emails/Attempt.js"
import type { DeliveryOutcome, RetryPolicy } from "../src/emails/Delivery.js"
import { DeliveryId, EmailId } from "../src/emails/Email.js"
import { TeamId } from "../src/Team.js"
import { BUSY_RETRY_MS, settleDelivery, suppressedAtDelivery } from "../src/emails/DeliverySettlement.js"
import type { ClaimedDelivery } from "../src/emails/Email.js"
import { returnPath } from "../src/emails/ReturnPath.js"
import {
  type DeliveryRoute,
  deliveryRoute,
  type MailHostAnswers,
  type MxAnswer,
  mailHostNames,
  unroutedOutcome
} from "../src/emails/Routing.js"
import { parseVerp } from "../src/mail/Feedback.js"

// Expectations come from small models written here from the rules as stated (retry schedule,
// RFC 5321 routing, the private-address screen), never from the functions under test.

const t0 = Date.parse("2026-12-01T00:00:00Z")

const claimArb = fc.record({
  id: fc.integer({ min: 1, max: 1e9 }),
  teamId: fc.integer({ min: 1, max: 1000 }),
  recipient: fc.constantFrom("a@x.test", "Bob@Example.COM", "c+tag@y.test"),
  attempts: fc.integer({ min: 1, max: 15 }),
  queuedAgoMs: fc.integer({ min: 0, max: 10 * 24 * 3_600_000 })
})

interface ClaimInput {
  readonly id: number
  readonly teamId: number
  readonly recipient: string
  readonly attempts: number
  readonly queuedAgoMs: number
}

const claimOf = (c: ClaimInput, now: number): ClaimedDelivery => ({
  id: DeliveryId.make(c.id),
  emailId: EmailId.make(7),
  teamId: TeamId.make(c.teamId),
  domainId: DomainId.make(3),
  recipient: c.recipient,
  attempts: c.attempts,
  testMode: false,
  firstQueuedAt: new Date(now - c.queuedAgoMs),
  status: "sending",
  leaseUntil: new Date(now + 60_000),
  suppressedBy: null
})

const replyArb = fc.constantFrom("250 2.0.0 ok", "421 4.7.0 later", "550 5.1.1 unknown", "554 5.4.4 refused")
const mxArb = fc.option(fc.constantFrom("mx1.x.test", "mx2.y.test"), { nil: null })
const outcomeArb: fc.Arbitrary<DeliveryOutcome> = fc.oneof(
  fc.record({ _tag: fc.constant("Delivered" as const), reply: replyArb, mx: fc.constantFrom("mx1.x.test") }),
  fc.record({ _tag: fc.constant("Deferred" as const), reply: replyArb, mx: mxArb }),
  fc.record({ _tag: fc.constant("Bounced" as const), reply: replyArb, mx: mxArb, hard: fc.boolean() }),
  fc.record({ _tag: fc.constant("Busy" as const), reply: replyArb, mx: fc.constant(null) }),
  fc.record({
    _tag: fc.constant("Failed" as const),
    reply: replyArb,
    mx: fc.constant(null),
    reason: fc.constantFrom("every mail server is private")
  })
)
const policyArb: fc.Arbitrary<RetryPolicy> = fc.record({
  delaysMs: fc.array(fc.integer({ min: 1_000, max: 8 * 3_600_000 }), { minLength: 1, maxLength: 6 }),
  maxAgeMs: fc.integer({ min: 3_600_000, max: 5 * 24 * 3_600_000 })
})

/** The retry schedule written out: the n-th failed attempt waits the n-th delay, the last one repeating. */
const modelWait = (policy: RetryPolicy, attempts: number) => {
  const schedule = [...policy.delaysMs]
  while (schedule.length < attempts) schedule.push(policy.delaysMs[policy.delaysMs.length - 1] ?? 0)
  return schedule[attempts - 1] ?? 0
}

describe("settling a delivery attempt", () => {
  it("follows the model for every outcome, attempt count, age and retry policy", () => {
    fc.assert(
      fc.property(claimArb, outcomeArb, policyArb, (c, outcome, policy) => {
        const now = t0
        const claim = claimOf(c, now)
        const got = settleDelivery(claim, outcome, new Date(now), policy)
        const meta = { recipient: c.recipient, mx: outcome.mx, reply: outcome.reply, attempt: c.attempts }
        switch (outcome._tag) {
          case "Busy":
            // Not an attempt: back in the queue soon, with nothing to tell anyone.
            expect(got).toEqual({
              status: "queued",
              reply: null,
              mx: null,
              nextAttemptAt: new Date(now + 5_000),
              events: [],
              suppress: null
            })
            return
          case "Delivered":
            expect(got.status).toBe("delivered")
            expect(got.events).toEqual([
              { type: "sent", metadata: meta },
              { type: "delivered", metadata: meta }
            ])
            expect([got.nextAttemptAt, got.suppress, got.mx, got.reply]).toEqual([
              null,
              null,
              outcome.mx,
              outcome.reply
            ])
            return
          case "Bounced":
            expect(got.status).toBe("bounced")
            expect(got.events).toEqual([{ type: "bounced", metadata: { ...meta, hard: outcome.hard } }])
            // Only a hard bounce puts the address on the team's list.
            expect(got.suppress).toEqual(
              outcome.hard ? { teamId: c.teamId, address: c.recipient, reason: "hard_bounce" } : null
            )
            expect(got.nextAttemptAt).toBeNull()
            return
          case "Failed":
            expect(got).toEqual({
              status: "failed",
              reply: outcome.reply,
              mx: null,
              nextAttemptAt: null,
              events: [{ type: "failed", metadata: { ...meta, reason: outcome.reason } }],
              suppress: null
            })
            return
          case "Deferred": {
            const deadline = now - c.queuedAgoMs + policy.maxAgeMs
            if (now >= deadline) {
              expect(got.status).toBe("failed")
              expect(got.events).toEqual([
                { type: "failed", metadata: { ...meta, reason: "retries exhausted" } }
              ])
              expect(got.nextAttemptAt).toBeNull()
              return
            }
            const next = Math.min(now + modelWait(policy, c.attempts), deadline)
            expect(got.status).toBe("deferred")
            expect(got.nextAttemptAt?.getTime()).toBe(next)
            expect(got.events).toEqual([
              { type: "deferred", metadata: { ...meta, next_attempt_at: new Date(next).toISOString() } }
            ])
            expect(got.suppress).toBeNull()
          }
        }
      }),
      { numRuns: 500 }
    )
  })

  it("retries a deferral on the documented schedule and fails it for good at the maximum age", () => {
    const policy: RetryPolicy = { delaysMs: [60_000, 300_000], maxAgeMs: 3_600_000 }
    const claim = (attempts: number, queuedAgoMs: number) =>
      claimOf({ id: 1, teamId: 1, recipient: "a@x.test", attempts, queuedAgoMs }, t0)
    const deferred: DeliveryOutcome = { _tag: "Deferred", reply: "421 4.7.0 later", mx: "mx1.x.test" }
    const at = (attempts: number, ago: number) =>
      settleDelivery(claim(attempts, ago), deferred, new Date(t0), policy).nextAttemptAt?.getTime()
    expect(at(1, 0)).toBe(t0 + 60_000)
    expect(at(2, 0)).toBe(t0 + 300_000)
    expect(at(9, 0)).toBe(t0 + 300_000)
    // The last try happens right at the maximum age, not after it.
    expect(at(9, 3_500_000)).toBe(t0 + 100_000)
    expect(settleDelivery(claim(9, 3_600_000), deferred, new Date(t0), policy).status).toBe("failed")
    expect(BUSY_RETRY_MS).toBe(5_000)
  })

  it("records a copy suppressed at delivery with the entry that stopped it, and suppresses nothing more", () => {
    const claim = claimOf({ id: 5, teamId: 2, recipient: "gone@x.test", attempts: 1, queuedAgoMs: 0 }, t0)
    expect(suppressedAtDelivery(claim, { id: 44, reason: "unsubscribe" })).toEqual({
      status: "suppressed",
      reply: null,
      mx: null,
      nextAttemptAt: null,
      events: [
        {
          type: "suppressed",
          metadata: { recipient: "gone@x.test", reason: "unsubscribe", suppression_id: 44, at: "delivery" }
        }
      ],
      suppress: null
    })
  })
})

describe("the VERP return path", () => {
  const sha256 = (s: string) => createHash("sha256").update(s).digest("hex")
  it("names its delivery and a digest of delivery and message, at the bounce host, and reads back", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
        fc.uuid(),
        fc.constantFrom("bounces.shop.test", "rp.example.com"),
        (id, messageId, host) => {
          const path = returnPath(id, `<${messageId}@shop.test>`, host, sha256)
          const [local = "", domain] = path.split("@")
          expect(domain).toBe(host)
          expect(parseVerp(local)).toEqual({
            deliveryId: id,
            digest: createHash("sha256").update(`${id}:<${messageId}@shop.test>`).digest("hex").slice(0, 12)
          })
          // Another message (or delivery) gives another digest: a bounce cannot be forged by guessing.
          expect(returnPath(id, `<other-${messageId}@shop.test>`, host, sha256)).not.toBe(path)
        }
      )
    )
  })
})

describe("attempt deadlines", () => {
  it("keeps half the lease for the SMTP exchange, and hands a claim back untried once past it", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 500, max: 300_000 }).map((half) => half * 2),
        fc.integer({ min: -600_000, max: 600_000 }),
        (leaseMs, offset) => {
          const leaseUntil = new Date(t0 + leaseMs)
          const deadline = attemptDeadline(leaseUntil, leaseMs)
          expect(deadline.getTime()).toBe(t0 + leaseMs / 2)
          const now = new Date(deadline.getTime() + offset)
          expect(lateOutcome(now, deadline)).toEqual(
            offset > 0 ? { _tag: "Busy", reply: "451 4.4.5 not started in time", mx: null } : null
          )
        }
      )
    )
  })
  it("bounces a deleted email softly and defers a message that could not be signed", () => {
    expect(messageGoneOutcome).toEqual({
      _tag: "Bounced",
      reply: "554 5.0.0 message no longer exists",
      mx: null,
      hard: false
    })
    expect(signingFailedOutcome("no active key")).toEqual({
      _tag: "Deferred",
      reply: "451 4.7.5 not sent: no active key",
      mx: null
    })
  })
})

// Addresses by the class they are known to be in, so the model never has to classify one.
const ADDRESSES = {
  public: ["93.184.216.34", "8.8.4.4", "2606:4700::6810:85e5"],
  private: ["10.1.2.3", "192.168.0.20", "172.20.0.5"],
  loopback: ["127.0.0.1", "::1"],
  // Never a mail server, even where private ones are allowed.
  never: ["169.254.169.254", "0.0.0.0", "224.0.0.9"]
} as const
type Kind = keyof typeof ADDRESSES
const addressArb = fc.constantFrom(
  ...(Object.entries(ADDRESSES) as Array<[Kind, ReadonlyArray<string>]>).flatMap(([kind, list]) =>
    list.map((address) => ({ kind, address }))
  )
)
const kindOf = (address: string) =>
  (Object.keys(ADDRESSES) as Array<Kind>).find((k) =>
    (ADDRESSES[k] as ReadonlyArray<string>).includes(address)
  )
const reachable = (address: string, allowPrivate: boolean) => {
  const kind = kindOf(address)
  return kind === "public" || (allowPrivate && (kind === "private" || kind === "loopback"))
}

const answerArb: fc.Arbitrary<DnsAnswer> = fc.oneof(
  { weight: 1, arbitrary: fc.constant({ _tag: "Unavailable" as const, reason: "ETIMEOUT" }) },
  {
    weight: 4,
    arbitrary: fc
      .array(addressArb, { maxLength: 3 })
      .map((list) => ({ _tag: "Answered" as const, values: list.map((a) => a.address) }))
  }
)
const hostsArb = fc
  .array(fc.record({ a: answerArb, aaaa: answerArb }), { minLength: 1, maxLength: 3 })
  .map((list): ReadonlyArray<MailHostAnswers> => list.map((h, i) => ({ name: `mx${i}.dest.test`, ...h })))
const mxArb2: fc.Arbitrary<MxAnswer> = fc.oneof(
  fc.constant({ _tag: "Unavailable" as const, reason: "ESERVFAIL" }),
  fc.constant({ _tag: "Answered" as const, records: [{ exchange: ".", priority: 0 }] }),
  fc.constant({ _tag: "Answered" as const, records: [] }),
  fc.constant({ _tag: "Answered" as const, records: [{ exchange: "mx0.dest.test", priority: 10 }] })
)

/** RFC 5321 section 5 routing with the private-address screen, written out. */
const modelRoute = (
  mx: MxAnswer,
  hosts: ReadonlyArray<MailHostAnswers>,
  allowPrivate: boolean
): DeliveryRoute["_tag"] => {
  if (mx._tag === "Unavailable") return "Retry"
  if (mx.records.length === 1 && mx.records[0]?.exchange === ".") return "Refused"
  const addressesOf = (h: MailHostAnswers) =>
    [h.a, h.aaaa].flatMap((x) => (x._tag === "Answered" ? x.values : []))
  if (hosts.some((h) => addressesOf(h).some((a) => reachable(a, allowPrivate)))) return "Hosts"
  if (hosts.some((h) => h.a._tag === "Unavailable" && h.aaaa._tag === "Unavailable")) return "Retry"
  if (hosts.some((h) => addressesOf(h).length > 0)) return "Forbidden"
  return "Refused"
}

describe("choosing where a delivery goes", () => {
  it("follows the routing model: failures wait, no mail server bounces, private-only is refused unsent", () => {
    fc.assert(
      fc.property(mxArb2, hostsArb, fc.boolean(), (mx, hosts, allowPrivate) => {
        const route = deliveryRoute("dest.test", mx, hosts, allowPrivate)
        expect(route._tag).toBe(modelRoute(mx, hosts, allowPrivate))
        if (route._tag === "Hosts") {
          // Preference order kept; only reachable addresses; a host with none left out.
          const expected = hosts
            .map((h) => ({
              name: h.name,
              addresses: [h.a, h.aaaa]
                .flatMap((x) => (x._tag === "Answered" ? x.values : []))
                .filter((a) => reachable(a, allowPrivate))
            }))
            .filter((h) => h.addresses.length > 0)
          expect(route.hosts).toEqual(expected)
        }
        if (route._tag === "Forbidden") {
          // The reason names every refused address with its host, so the failed event explains itself.
          for (const h of hosts)
            for (const x of [h.a, h.aaaa])
              if (x._tag === "Answered")
                for (const a of x.values) expect(route.reason).toContain(`${h.name} → ${a}`)
        }
      }),
      { numRuns: 500 }
    )
  })

  it("names the hosts to look up: MX hosts, or the domain itself, or none for a null MX", () => {
    expect(mailHostNames({ _tag: "Hosts", hosts: ["a.test", "b.test"] })).toEqual(["a.test", "b.test"])
    expect(mailHostNames({ _tag: "Implicit", host: "dest.test" })).toEqual(["dest.test"])
    expect(mailHostNames({ _tag: "NullMx" })).toEqual([])
  })

  it("turns a route to nowhere into the outcome the delivery records", () => {
    expect(unroutedOutcome({ _tag: "Retry", reason: "MX lookup for d.test failed: ETIMEOUT" })).toEqual({
      _tag: "Deferred",
      reply: "451 4.4.3 MX lookup for d.test failed: ETIMEOUT",
      mx: null
    })
    expect(
      unroutedOutcome({ _tag: "Refused", reason: "550 5.1.10 d.test accepts no mail (null MX)" })
    ).toEqual({
      _tag: "Bounced",
      reply: "550 5.1.10 d.test accepts no mail (null MX)",
      mx: null,
      hard: true
    })
    expect(unroutedOutcome({ _tag: "Forbidden", reason: "private" })).toEqual({
      _tag: "Failed",
      reply: "554 5.4.4 not sent: private",
      mx: null,
      reason: "private"
    })
  })
})
