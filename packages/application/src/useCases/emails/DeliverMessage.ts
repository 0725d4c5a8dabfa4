import {
  attemptDeadline,
  type ClaimedDelivery,
  lateOutcome,
  messageGoneOutcome,
  type RetryPolicy,
  returnPath,
  settleDelivery,
  signingFailedOutcome,
  suppressedAtDelivery,
  unroutedOutcome
} from "@poststack/domain"
import { Clock, Effect, Option, Ref, Schedule } from "effect"
import { type DeliveryResult, DeliveryQueue } from "../../ports/DeliveryQueue.js"
import { Digest } from "../../ports/Digest.js"
import { DkimSigner } from "../../ports/DkimSigner.js"
import type { EmailForDelivery } from "../../ports/EmailRepository.js"
import { type MailHost, MailTransport } from "../../ports/MailTransport.js"
import { MessageComposer } from "../../ports/MessageComposer.js"
import { FindMailRoute } from "./FindMailRoute.js"
import { LogDeliveryOutcome } from "./LogDeliveryOutcome.js"
import { TrackedContent } from "./TrackedContent.js"

export interface DeliverMessageOptions {
  /** The claim's lease: half of it is the margin for the SMTP exchange (see `attemptDeadline`). */
  readonly leaseMs: number
  readonly policy: RetryPolicy
  /** Outcomes known but not yet written (the database is away): the caller claims nothing meanwhile. */
  readonly unrecorded: Ref.Ref<number>
}

/**
 * Delivers one claimed copy of an email (`None` when the email was deleted since) and records
 * what became of it, as a list of steps: suppression check, then the attempt (compose, sign,
 * route, transmit), settle, log, record.
 */
export const DeliverMessage = Effect.fnUntraced(function* (
  claim: ClaimedDelivery,
  email: Option.Option<EmailForDelivery>,
  options: DeliverMessageOptions
) {
  // Suppressed since the email was accepted (an unsubscribe before a scheduled send, a
  // complaint during retries): the claim says so, and the copy is not sent.
  const suppressedBy = claim.suppressedBy
  if (suppressedBy !== null)
    return yield* Effect.flatMap(DeliveryQueue, (queue) =>
      queue.record(claim, suppressedAtDelivery(claim, suppressedBy))
    )
  const startedAt = yield* Clock.currentTimeMillis
  const outcome = Option.isNone(email)
    ? messageGoneOutcome
    : yield* attempt(claim, email.value, attemptDeadline(claim.leaseUntil, options.leaseMs))
  const now = yield* Clock.currentTimeMillis
  const result = settleDelivery(claim, outcome, new Date(now), options.policy)
  // Busy is no attempt: the delivery goes back to the queue untried.
  if (outcome._tag !== "Busy") yield* LogDeliveryOutcome(claim, result, now - startedAt)
  yield* record(claim, result, options)
})

/** Builds, signs and hands over the message, unless something decides the outcome first. */
const attempt = Effect.fnUntraced(function* (
  claim: ClaimedDelivery,
  email: EmailForDelivery,
  deadline: Date
) {
  const late = lateOutcome(new Date(yield* Clock.currentTimeMillis), deadline)
  if (late !== null) return late
  const message = yield* compose(claim, email)
  const signed = yield* sign(email, message)
  if (signed._tag === "Left") return signingFailedOutcome(signed.left.message)
  const transport = yield* MailTransport
  const route = transport.relay
    ? { _tag: "Hosts" as const, hosts: [] }
    : yield* FindMailRoute(claim.recipient, transport.allowPrivateMx)
  if (route._tag !== "Hosts") return unroutedOutcome(route)
  return yield* transmit(claim, email, signed.right, route.hosts, deadline)
})

/** A relayed message goes out as it came (no tracking); others are composed for this recipient. */
const compose = (claim: ClaimedDelivery, email: EmailForDelivery) => {
  if (email.rawMime !== null) return Effect.succeed(email.rawMime)
  const record = email.record
  return Effect.flatMap(TrackedContent(claim.id, email), (content) =>
    Effect.flatMap(MessageComposer, (composer) =>
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
    )
  )
}

/** Signs with the sending domain's DKIM key; a key that cannot be had is an answer, not a failure. */
const sign = (email: EmailForDelivery, message: Uint8Array) =>
  Effect.flatMap(DkimSigner, (signer) => signer.sign(email.record.domainId, message)).pipe(Effect.either)

/** Hands the signed message to the route's hosts, with this delivery's own return path. */
const transmit = (
  claim: ClaimedDelivery,
  email: EmailForDelivery,
  message: Uint8Array,
  hosts: ReadonlyArray<MailHost>,
  startBy: Date
) =>
  Effect.flatMap(Effect.all([Digest, MailTransport]), ([digest, transport]) =>
    transport.deliver({
      hosts,
      envelopeFrom: returnPath(claim.id, email.record.messageId, email.returnPathHost, digest.sha256),
      recipient: claim.recipient,
      message,
      localAddress: email.localAddress,
      requireTls: email.tlsMode === "enforced",
      startBy,
      bulk: claim.bulk === true
    })
  )

/**
 * Writes the outcome. A message already handed over must not be sent again because the database
 * was briefly away: the outcome is kept and written as soon as it answers (for a while past the
 * lease; after that the claim is another worker's anyway and the record would change nothing).
 */
const record = (claim: ClaimedDelivery, result: DeliveryResult, options: DeliverMessageOptions) =>
  Effect.flatMap(DeliveryQueue, (queue) => {
    const write = queue.record(claim, result)
    return write.pipe(
      Effect.catchTag("StoreUnavailable", () =>
        Ref.update(options.unrecorded, (n) => n + 1).pipe(
          Effect.zipRight(
            Effect.retry(write, {
              schedule: Schedule.spaced("250 millis").pipe(Schedule.upTo(options.leaseMs * 2 + 30_000))
            })
          ),
          Effect.ensuring(Ref.update(options.unrecorded, (n) => n - 1))
        )
      )
    )
  })
