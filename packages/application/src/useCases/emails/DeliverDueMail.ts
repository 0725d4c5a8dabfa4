import {
  type ClaimedDelivery,
  DEFAULT_RETRY_POLICY,
  type DeliveryOutcome,
  describeMxRefusal,
  domainOf,
  nextAttemptAt,
  type RetryPolicy,
  routeFromMx,
  screenMxHosts,
  type SuppressionMatch
} from "@poststack/domain"
import { Array as Arr, Clock, type Duration, Effect, FiberSet, Option, Schedule } from "effect"
import { type DeliveryResult, DeliveryQueue } from "../../ports/DeliveryQueue.js"
import { Digest } from "../../ports/Digest.js"
import { DkimSigner } from "../../ports/DkimSigner.js"
import { DnsResolver } from "../../ports/DnsResolver.js"
import { EmailRepository, type EmailForDelivery } from "../../ports/EmailRepository.js"
import { type MailHost, MailTransport } from "../../ports/MailTransport.js"
import { MessageComposer } from "../../ports/MessageComposer.js"
import { TrackedContent } from "./TrackedContent.js"

/**
 * The per-recipient return path (VERP): a bounce to it names the delivery, and the short digest
 * keeps a forged bounce from naming any delivery it likes.
 */
export const returnPath = (
  deliveryId: number,
  messageId: string,
  host: string,
  sha256: (s: string) => string
) => `b${deliveryId}.${sha256(`${deliveryId}:${messageId}`).slice(0, 12)}@${host}`

/**
 * Where the recipient's domain takes mail: MX hosts, or the domain itself (implicit MX), or nowhere.
 * Addresses that are not public are screened out before any connection (`Forbidden` when no
 * host is left), so a domain cannot point the worker at its own network.
 */
const routeFor = Effect.fn("DeliverDueMail.route")(function* (domain: string, allowPrivate: boolean) {
  const dns = yield* DnsResolver
  const mx = yield* dns.mx(domain)
  if (mx._tag === "Unavailable")
    return { _tag: "Retry" as const, reason: `MX lookup for ${domain} failed: ${mx.reason}` }
  const route = routeFromMx(domain, mx.records)
  if (route._tag === "NullMx")
    return { _tag: "Refused" as const, reason: `550 5.1.10 ${domain} accepts no mail (null MX)` }
  const names = route._tag === "Hosts" ? route.hosts : [route.host]
  const hosts: Array<MailHost> = []
  let unavailable = 0
  // The route may be kept as long as the shortest-lived address answer allows.
  let ttlSeconds = Number.POSITIVE_INFINITY
  for (const name of names) {
    const a = yield* dns.lookup(name, "A")
    const aaaa = yield* dns.lookup(name, "AAAA")
    if (a._tag === "Unavailable" && aaaa._tag === "Unavailable") unavailable++
    const addresses: Array<string> = []
    for (const answer of [a, aaaa]) {
      if (answer._tag !== "Answered") continue
      addresses.push(...answer.values)
      if (answer.values.length > 0) ttlSeconds = Math.min(ttlSeconds, answer.ttlSeconds ?? 0)
    }
    if (addresses.length > 0) hosts.push({ name, addresses })
  }
  const screened = screenMxHosts(hosts, allowPrivate)
  if (screened.allowed.length > 0) return { _tag: "Hosts" as const, hosts: screened.allowed, ttlSeconds }
  if (unavailable > 0)
    return { _tag: "Retry" as const, reason: `address lookup for the mail servers of ${domain} failed` }
  if (screened.refused.length > 0)
    return { _tag: "Forbidden" as const, reason: describeMxRefusal(domain, screened.refused) }
  return { _tag: "Refused" as const, reason: `550 5.1.2 ${domain} has no reachable mail server` }
})

type Route = Effect.Effect.Success<ReturnType<typeof routeFor>>

/**
 * Routes found lately, by recipient domain: a burst of mail to one domain asks DNS once. A route is
 * kept for the TTL of its address records, and never longer than a minute (the MX answer's own TTL
 * is not known); failures are not kept.
 */
const routeCache = (allowPrivate: boolean) => {
  const routes = new Map<string, { readonly route: Route; readonly until: number }>()
  return (recipient: string): Effect.Effect<Route, never, DnsResolver> => {
    const domain = domainOf(recipient).toLowerCase()
    return Effect.flatMap(Clock.currentTimeMillis, (now) => {
      const kept = routes.get(domain)
      if (kept !== undefined && kept.until > now) return Effect.succeed(kept.route)
      return Effect.tap(routeFor(domain, allowPrivate), (route) =>
        Effect.sync(() => {
          const keepMs = route._tag === "Hosts" ? Math.min(ROUTE_CACHE_MAX_MS, route.ttlSeconds * 1000) : 0
          if (keepMs <= 0) return
          if (routes.size >= ROUTE_CACHE_SIZE) routes.clear()
          routes.set(domain, { route, until: now + keepMs })
        })
      )
    })
  }
}
type RouteCache = ReturnType<typeof routeCache>

const ROUTE_CACHE_MAX_MS = 60_000
const ROUTE_CACHE_SIZE = 10_000

/** How long a delivery that found its destination busy waits before it is claimed again. */
const BUSY_RETRY_MS = 5_000

/** What one attempt's outcome makes of the delivery: its next state, its events, a suppression. */
export const settle = (
  delivery: ClaimedDelivery,
  outcome: DeliveryOutcome,
  now: Date,
  policy: RetryPolicy
): DeliveryResult => {
  const meta = {
    recipient: delivery.recipient,
    mx: outcome.mx,
    reply: outcome.reply,
    attempt: delivery.attempts
  }
  switch (outcome._tag) {
    case "Busy":
      // Back in the queue a little later; the claim's attempt is given back (see DeliveryQueue).
      return {
        status: "queued",
        reply: null,
        mx: null,
        nextAttemptAt: new Date(now.getTime() + BUSY_RETRY_MS),
        events: [],
        suppress: null
      }
    case "Delivered":
      return {
        status: "delivered",
        reply: outcome.reply,
        mx: outcome.mx,
        nextAttemptAt: null,
        events: [
          { type: "sent", metadata: meta },
          { type: "delivered", metadata: meta }
        ],
        suppress: null
      }
    case "Bounced":
      return {
        status: "bounced",
        reply: outcome.reply,
        mx: outcome.mx,
        nextAttemptAt: null,
        events: [{ type: "bounced", metadata: { ...meta, hard: outcome.hard } }],
        suppress: outcome.hard
          ? { teamId: delivery.teamId, address: delivery.recipient, reason: "hard_bounce" }
          : null
      }
    case "Failed":
      return {
        status: "failed",
        reply: outcome.reply,
        mx: null,
        nextAttemptAt: null,
        events: [{ type: "failed", metadata: { ...meta, reason: outcome.reason } }],
        suppress: null
      }
    case "Deferred": {
      const next = nextAttemptAt(policy, delivery.attempts, delivery.firstQueuedAt, now)
      if (next === null) {
        return {
          status: "failed",
          reply: outcome.reply,
          mx: outcome.mx,
          nextAttemptAt: null,
          events: [{ type: "failed", metadata: { ...meta, reason: "retries exhausted" } }],
          suppress: null
        }
      }
      return {
        status: "deferred",
        reply: outcome.reply,
        mx: outcome.mx,
        nextAttemptAt: next,
        events: [{ type: "deferred", metadata: { ...meta, next_attempt_at: next.toISOString() } }],
        suppress: null
      }
    }
  }
}

// Untraced, as it runs for every message: the adapters it calls carry their own spans.
const deliverOne = Effect.fnUntraced(function* (
  delivery: ClaimedDelivery,
  email: EmailForDelivery,
  startBy: Date,
  routes: RouteCache
) {
  const digest = yield* Digest
  const composer = yield* MessageComposer
  const record = email.record
  // A relayed message goes out as it came (no tracking); others are composed for this recipient.
  const message =
    email.rawMime ??
    (yield* Effect.flatMap(TrackedContent(delivery.id, email), (content) =>
      composer.compose({
        messageId: record.messageId,
        date: record.createdAt,
        from: { address: record.fromAddress, name: record.fromName },
        to: record.toAddresses,
        cc: record.ccAddresses,
        replyTo: record.replyTo,
        subject: record.subject,
        html: content.html,
        text: content.text,
        headers: content.headers,
        attachments: email.attachments
      })
    ))
  const signed = yield* Effect.flatMap(DkimSigner, (signer) => signer.sign(record.domainId, message)).pipe(
    Effect.either
  )
  if (signed._tag === "Left") {
    return {
      _tag: "Deferred",
      reply: `451 4.7.5 not sent: ${signed.left.message}`,
      mx: null
    } satisfies DeliveryOutcome
  }
  const transport = yield* MailTransport
  const route = transport.relay ? { _tag: "Hosts" as const, hosts: [] } : yield* routes(delivery.recipient)
  if (route._tag === "Retry")
    return { _tag: "Deferred", reply: `451 4.4.3 ${route.reason}`, mx: null } satisfies DeliveryOutcome
  if (route._tag === "Refused")
    return { _tag: "Bounced", reply: route.reason, mx: null, hard: true } satisfies DeliveryOutcome
  if (route._tag === "Forbidden")
    return {
      _tag: "Failed",
      reply: `554 5.4.4 not sent: ${route.reason}`,
      mx: null,
      reason: route.reason
    } satisfies DeliveryOutcome
  return yield* transport.deliver({
    hosts: route.hosts,
    envelopeFrom: returnPath(delivery.id, record.messageId, email.returnPathHost, digest.sha256),
    recipient: delivery.recipient,
    message: signed.right,
    localAddress: email.localAddress,
    requireTls: email.tlsMode === "enforced",
    startBy
  })
})

/** A copy not sent because its recipient is on the suppression list now; the event names the entry. */
export const suppressedAtDelivery = (delivery: ClaimedDelivery, entry: SuppressionMatch): DeliveryResult => ({
  status: "suppressed",
  reply: null,
  mx: null,
  nextAttemptAt: null,
  events: [
    {
      type: "suppressed",
      metadata: {
        recipient: delivery.recipient,
        reason: entry.reason,
        suppression_id: entry.id,
        at: "delivery"
      }
    }
  ],
  suppress: null
})

/** Runs `f` for every item at once; a lone item (the usual email) runs in place, with no fiber of its own. */
const allAtOnce = <A, E, R>(items: ReadonlyArray<A>, f: (item: A) => Effect.Effect<void, E, R>) =>
  items.length === 1 && items[0] !== undefined
    ? f(items[0])
    : Effect.forEach(items, f, { concurrency: "unbounded", discard: true })

/** Outcomes known but not yet written (the database is away): claiming waits until they are. */
interface Unrecorded {
  count: number
}

/**
 * One line per attempt's outcome, for the operator following mail through the log: which email,
 * what became of it, which MX host answered, how long it took. Never the recipient's address.
 */
export const logOutcome = (delivery: ClaimedDelivery, result: DeliveryResult, durationMs: number) =>
  Effect.logInfo("delivery outcome").pipe(
    Effect.annotateLogs({
      email: delivery.emailPublicId ?? delivery.emailId,
      delivery: delivery.id,
      status: result.status,
      mx: result.mx ?? "none",
      durationMs
    })
  )

/** Builds, signs and hands over one claimed delivery, then records its outcome. */
const deliverClaimed = (
  delivery: ClaimedDelivery,
  email: Option.Option<EmailForDelivery>,
  leaseMs: number,
  policy: RetryPolicy,
  unrecorded: Unrecorded,
  routes: RouteCache
) =>
  Effect.gen(function* () {
    // Half the lease is the margin for the SMTP exchange itself: a delivery that waited longer
    // goes back to the queue rather than risk a second copy from another worker.
    const startBy = new Date(delivery.leaseUntil.getTime() - leaseMs / 2)
    const startedAt = yield* Clock.currentTimeMillis
    const late = startedAt > startBy.getTime()
    const outcome: DeliveryOutcome = Option.isNone(email)
      ? { _tag: "Bounced", reply: "554 5.0.0 message no longer exists", mx: null, hard: false }
      : late
        ? { _tag: "Busy", reply: "451 4.4.5 not started in time", mx: null }
        : yield* deliverOne(delivery, email.value, startBy, routes)
    const now = new Date(yield* Clock.currentTimeMillis)
    const queue = yield* DeliveryQueue
    const result = settle(delivery, outcome, now, policy)
    // Busy is no attempt: the delivery goes back to the queue untried.
    if (outcome._tag !== "Busy") yield* logOutcome(delivery, result, now.getTime() - startedAt)
    const record = queue.record(delivery, result)
    // A message already handed over must not be sent again because the database was briefly
    // away: the outcome is kept and written as soon as it answers (for a while past the lease;
    // after that the claim is another worker's anyway and the record would change nothing).
    yield* record.pipe(
      Effect.catchTag("StoreUnavailable", () =>
        Effect.gen(function* () {
          unrecorded.count++
          yield* Effect.retry(record, {
            schedule: Schedule.spaced("250 millis").pipe(Schedule.upTo(leaseMs * 2 + 30_000))
          }).pipe(Effect.ensuring(Effect.sync(() => unrecorded.count--)))
        })
      )
    )
  })

/**
 * Live delivery as a pipeline: keeps up to `inFlight` deliveries going, claiming more (any number
 * of workers share the queue) as soon as some finish, so one slow receiver delays only its own
 * messages, never a whole round. Runs until interrupted; then it claims nothing more, and every
 * delivery already claimed finishes and is recorded before it returns.
 */
export const DeliverMailContinuously = Effect.fn("DeliverMailContinuously")(function* (options: {
  readonly inFlight: number
  readonly batch: number
  readonly leaseMs: number
  readonly idle: Duration.DurationInput
  readonly policy?: RetryPolicy
}) {
  const queue = yield* DeliveryQueue
  const emails = yield* EmailRepository
  const policy = options.policy ?? DEFAULT_RETRY_POLICY
  let busy = 0
  const unrecorded: Unrecorded = { count: 0 }
  const routes = routeCache((yield* MailTransport).allowPrivateMx)
  // What this worker holds, with its leases renewed well before they run out (started first, so
  // it stops last: leases are still renewed while a stopping worker finishes its deliveries).
  const held = new Map<number, ClaimedDelivery>()
  // After the database was away, leases may have lapsed: they are renewed before anything new is
  // claimed, or this worker could claim (and send again) what it is still delivering.
  let lapsed = false
  const renew = Effect.gen(function* () {
    const now = new Date(yield* Clock.currentTimeMillis)
    yield* queue.extend({ claims: [...held.values()], now, leaseMs: options.leaseMs })
    lapsed = false
  }).pipe(
    Effect.tapError(() => Effect.sync(() => (lapsed = true))),
    Effect.catchAll((error) => Effect.logWarning("could not renew delivery leases", error.message))
  )
  yield* Effect.forkScoped(
    renew.pipe(
      Effect.repeat(Schedule.spaced(Math.max(50, Math.floor(options.leaseMs / 4)))),
      Effect.interruptible
    )
  )
  const running = yield* FiberSet.make()
  // Frees a claim's slot once: when its copy is recorded, or when its batch ends however it ends.
  const release = (d: ClaimedDelivery) => {
    if (held.delete(d.id)) busy--
  }
  // The copies of one email go out together, sharing one load of the email.
  const deliverEmail = (copies: ReadonlyArray<ClaimedDelivery>, email: Option.Option<EmailForDelivery>) =>
    allAtOnce(copies, (d) =>
      // Suppressed since the email was accepted (an unsubscribe before a scheduled send, a
      // complaint during retries): the claim says so, and the copy is not sent.
      d.suppressedBy === null
        ? deliverClaimed(d, email, options.leaseMs, policy, unrecorded, routes)
        : queue.record(d, suppressedAtDelivery(d, d.suppressedBy))
    ).pipe(
      Effect.catchAllCause((cause) => Effect.logError("delivery failed; its lease brings it back", cause)),
      Effect.ensuring(Effect.sync(() => copies.forEach(release)))
    )
  // One claim's emails are read in one query, then each email's copies go out on their own.
  const deliverBatch = (claimed: ReadonlyArray<ClaimedDelivery>) =>
    Effect.gen(function* () {
      const loaded = yield* emails.loadForDelivery([...new Set(claimed.map((d) => d.emailId))])
      yield* Effect.forEach(
        Object.values(Arr.groupBy(claimed, (d) => String(d.emailId))),
        (copies) => deliverEmail(copies, Option.fromNullable(loaded.get(copies[0].emailId))),
        { concurrency: "unbounded", discard: true }
      )
    }).pipe(
      Effect.catchAllCause((cause) =>
        Effect.logError("loading mail failed; its lease brings it back", cause)
      ),
      Effect.uninterruptible,
      Effect.ensuring(Effect.sync(() => claimed.forEach(release)))
    )
  const claimMore = Effect.gen(function* () {
    if (lapsed) yield* renew
    if (lapsed) return 0
    const claimed = yield* queue.claim({
      now: new Date(yield* Clock.currentTimeMillis),
      limit: Math.min(options.batch, options.inFlight - busy),
      leaseMs: options.leaseMs,
      testMode: false
    })
    busy += claimed.length
    for (const d of claimed) held.set(d.id, d)
    if (claimed.length > 0) yield* FiberSet.run(running, deliverBatch(claimed))
    return claimed.length
  }).pipe(
    // Claimed rows always get their fiber: no interruption between the claim and the fork.
    Effect.uninterruptible,
    Effect.catchAllCause((cause) => Effect.as(Effect.logError("claiming mail failed", cause), 0))
  )
  // A claim waits for room for half a batch, so that each claim and each read of its emails
  // serves many deliveries, not just the one that finished last.
  const room = Math.max(1, Math.min(options.inFlight, Math.ceil(options.batch / 2)))
  for (;;) {
    if (options.inFlight - busy < room || unrecorded.count > 0) {
      yield* Effect.sleep("5 millis")
      continue
    }
    if ((yield* claimMore) === 0) yield* Effect.sleep(options.idle)
  }
}, Effect.scoped)
