import {
  type DsnRecipient,
  isComplaint,
  parseDeliveryStatus,
  parseFeedbackReport,
  readHeaders,
  headerValue,
  type TextPart,
  textParts
} from "@poststack/domain"
import { Effect, Option } from "effect"
import { DeliveryFeedback, type Feedback, type SentDelivery } from "../../ports/DeliveryFeedback.js"
import type { MailRoute } from "../../ports/InboundRepository.js"

const part = (parts: ReadonlyArray<TextPart>, ...types: ReadonlyArray<string>) =>
  parts.find((p) => types.includes(p.contentType))

/** The DSN's verdict for this delivery's recipient (or its only recipient) as feedback; `null` when it is no bounce. */
const bounceFeedback = (delivery: SentDelivery, entries: ReadonlyArray<DsnRecipient>): Feedback | null => {
  const entry =
    entries.find((e) => e.recipient?.toLowerCase() === delivery.recipient.toLowerCase()) ??
    (entries.length === 1 ? entries[0] : undefined)
  if (entry === undefined || entry.kind === null) return null
  const metadata = {
    recipient: delivery.recipient,
    status: entry.status,
    action: entry.action,
    diagnostic: entry.diagnostic,
    hard: entry.kind === "hard",
    source: "dsn" as const
  }
  return entry.kind === "hard"
    ? { status: "bounced", events: [{ type: "bounced", metadata }], suppress: "hard_bounce" }
    : { status: null, events: [{ type: "soft_bounced", metadata }], suppress: null }
}

/**
 * A DSN (RFC 3464) or a complaint (ARF, RFC 5965) about one of our deliveries: a hard bounce
 * bounces the delivery and suppresses the address, a soft one is recorded, a complaint is recorded
 * and suppresses. Reports that say nothing we act on are dropped (and logged).
 */
export const ApplyDeliveryReport = Effect.fn("ApplyDeliveryReport")(function* (
  route: MailRoute,
  raw: Uint8Array,
  known: SentDelivery | null
) {
  const feedback = yield* DeliveryFeedback
  const parts = textParts(raw)
  const dsn = part(parts, "message/delivery-status", "message/global-delivery-status")
  if (dsn !== undefined && known !== null) {
    const result = bounceFeedback(known, parseDeliveryStatus(dsn.text))
    if (result === null) return yield* Effect.logInfo("DSN without a failure for our recipient: ignored")
    return yield* feedback.record(known, result)
  }
  const arf = part(parts, "message/feedback-report")
  const report = arf === undefined ? undefined : parseFeedbackReport(arf.text)
  if (report === undefined || !isComplaint(report)) {
    return yield* Effect.logInfo("report without a DSN or a complaint: ignored")
  }
  let delivery = known
  if (delivery === null) {
    // A feedback loop names the message by the headers it quotes: find our delivery by its Message-ID.
    const original = part(parts, "message/rfc822", "text/rfc822-headers", "message/rfc822-headers")
    const messageId =
      original === undefined
        ? undefined
        : headerValue(readHeaders(new TextEncoder().encode(original.text)), "message-id")
    if (messageId === undefined)
      return yield* Effect.logInfo("complaint without the original Message-ID: ignored")
    const found = yield* feedback.byMessageId(route.teamId, messageId.trim(), report.originalRcptTo)
    if (Option.isNone(found))
      return yield* Effect.logInfo("complaint about a message we do not know: ignored")
    delivery = found.value
  }
  yield* feedback.record(delivery, {
    status: "complained",
    events: [
      {
        type: "complained",
        metadata: {
          recipient: delivery.recipient,
          feedback_type: report.feedbackType,
          user_agent: report.userAgent,
          source: "arf"
        }
      }
    ],
    suppress: "complaint"
  })
})
