import {
  type ClaimedDelivery,
  DEFAULT_RETRY_POLICY,
  type DeliveryOutcome,
  type DomainId,
  domainOf,
  nextAttemptAt,
  type RetryPolicy,
  routeFromMx,
  type TeamId
} from "@poststack/domain"
import { Clock, Effect, Option } from "effect"
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

/** Where the recipient's domain takes mail: MX hosts, or the domain itself (implicit MX), or nowhere. */
const routeFor = Effect.fn("DeliverDueMail.route")(function* (recipient: string) {
  const dns = yield* DnsResolver
  const domain = domainOf(recipient)
  const mx = yield* dns.mx(domain)
  if (mx._tag === "Unavailable")
    return { _tag: "Retry" as const, reason: `MX lookup for ${domain} failed: ${mx.reason}` }
  const route = routeFromMx(domain, mx.records)
  if (route._tag === "NullMx")
    return { _tag: "Refused" as const, reason: `550 5.1.10 ${domain} accepts no mail (null MX)` }
  const names = route._tag === "Hosts" ? route.hosts : [route.host]
  const hosts: Array<MailHost> = []
  let unavailable = 0
  for (const name of names) {
    const a = yield* dns.lookup(name, "A")
    const aaaa = yield* dns.lookup(name, "AAAA")
    if (a._tag === "Unavailable" && aaaa._tag === "Unavailable") unavailable++
    const addresses = [
      ...(a._tag === "Answered" ? a.values : []),
      ...(aaaa._tag === "Answered" ? aaaa.values : [])
    ]
    if (addresses.length > 0) hosts.push({ name, addresses })
  }
  if (hosts.length > 0) return { _tag: "Hosts" as const, hosts }
  if (unavailable > 0)
    return { _tag: "Retry" as const, reason: `address lookup for the mail servers of ${domain} failed` }
  return { _tag: "Refused" as const, reason: `550 5.1.2 ${domain} has no reachable mail server` }
})

const settle = (
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
          ? { teamId: delivery.teamId as TeamId, address: delivery.recipient, reason: "hard_bounce" }
          : null
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

const deliverOne = Effect.fn("DeliverDueMail.one")(function* (
  delivery: ClaimedDelivery,
  email: EmailForDelivery
) {
  const digest = yield* Digest
  const composer = yield* MessageComposer
  const record = email.record
  const content = yield* TrackedContent(delivery.id, email)
  const message = yield* composer.compose({
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
  const signed = yield* Effect.flatMap(DkimSigner, (signer) =>
    signer.sign(record.domainId as DomainId, message)
  ).pipe(Effect.either)
  if (signed._tag === "Left") {
    return {
      _tag: "Deferred",
      reply: `451 4.7.5 not sent: ${signed.left.message}`,
      mx: null
    } satisfies DeliveryOutcome
  }
  const transport = yield* MailTransport
  const route = transport.relay ? { _tag: "Hosts" as const, hosts: [] } : yield* routeFor(delivery.recipient)
  if (route._tag === "Retry")
    return { _tag: "Deferred", reply: `451 4.4.3 ${route.reason}`, mx: null } satisfies DeliveryOutcome
  if (route._tag === "Refused")
    return { _tag: "Bounced", reply: route.reason, mx: null, hard: true } satisfies DeliveryOutcome
  return yield* transport.deliver({
    hosts: route.hosts,
    envelopeFrom: returnPath(delivery.id, record.messageId, email.returnPathHost, digest.sha256),
    recipient: delivery.recipient,
    message: signed.right,
    localAddress: email.localAddress
  })
})

/**
 * One round of live delivery: claims due deliveries (any number of workers share the queue),
 * builds, signs and hands each over, and records the outcome. Returns how many were attempted.
 */
export const DeliverDueMail = Effect.fn("DeliverDueMail")(function* (options: {
  readonly limit: number
  readonly concurrency: number
  readonly leaseMs: number
  readonly policy?: RetryPolicy
}) {
  const queue = yield* DeliveryQueue
  const emails = yield* EmailRepository
  const claimed = yield* queue.claim({
    now: new Date(yield* Clock.currentTimeMillis),
    limit: options.limit,
    leaseMs: options.leaseMs,
    testMode: false
  })
  const loaded = new Map<number, Option.Option<EmailForDelivery>>()
  for (const d of claimed)
    if (!loaded.has(d.emailId)) loaded.set(d.emailId, yield* emails.loadForDelivery(d.emailId))
  yield* Effect.forEach(
    claimed,
    (delivery) =>
      Effect.gen(function* () {
        const email = loaded.get(delivery.emailId) ?? Option.none()
        const outcome: DeliveryOutcome = Option.isNone(email)
          ? { _tag: "Bounced", reply: "554 5.0.0 message no longer exists", mx: null, hard: false }
          : yield* deliverOne(delivery, email.value)
        const now = new Date(yield* Clock.currentTimeMillis)
        yield* queue.record(
          delivery.id,
          settle(delivery, outcome, now, options.policy ?? DEFAULT_RETRY_POLICY)
        )
      }),
    { concurrency: options.concurrency, discard: true }
  )
  return claimed.length
})
