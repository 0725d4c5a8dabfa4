import {
  firstPerAddress,
  type InboundSpamReading,
  inboundSpamVerdict,
  mailboxHash,
  MessageMalformed,
  type ParsedMessage,
  storableMessage,
  storableText,
  structuralProblem
} from "@poststack/domain"
import { Duration, Effect } from "effect"
import { BlobStore } from "../../ports/BlobStore.js"
import {
  InboundRepository,
  type NewInboundAttachment,
  type NewInboundEmail
} from "../../ports/InboundRepository.js"
import { MailParser } from "../../ports/MailParser.js"
import { SenderAuthenticator } from "../../ports/SenderAuthenticator.js"
import { SpamChecker } from "../../ports/SpamChecker.js"
import { ApplyDeliveryReport } from "./ApplyDeliveryReport.js"
import { IngestDmarcReport } from "./IngestDmarcReport.js"
import type { RecipientRoute } from "./RouteRecipient.js"

export interface ReceivedMessage {
  readonly envelopeFrom: string
  readonly recipients: ReadonlyArray<RecipientRoute>
  readonly raw: Uint8Array
  readonly clientIp: string
  readonly helo: string
  /** How long the spam filter may take before the message is stored unscored; 5 s unless given. */
  readonly spamTimeout?: Duration.DurationInput
}

/** However slow the spam filter, receiving waits no longer than this for its verdict. */
export const INBOUND_SPAM_TIMEOUT = Duration.seconds(5)

const unscored = Effect.succeed(null)

/**
 * The spam filter's reading of a received message, or null: when no filter is configured, when
 * it does not answer or answers nonsense, and when it takes longer than the bound. Never a
 * failure: a filter's trouble must not turn mail away.
 */
const scoreInbound = (message: ReceivedMessage, recipients: ReadonlyArray<RecipientRoute>) =>
  Effect.flatMap(SpamChecker, (checker) =>
    checker.check(message.raw, {
      from: message.envelopeFrom,
      to: recipients.map((r) => r.address),
      client: { ip: message.clientIp, helo: message.helo }
    })
  ).pipe(
    Effect.timeout(message.spamTimeout ?? INBOUND_SPAM_TIMEOUT),
    Effect.map((outcome): InboundSpamReading | null =>
      outcome._tag === "Scored"
        ? { score: outcome.verdict.score, verdict: inboundSpamVerdict(outcome.verdict.action) }
        : null
    ),
    Effect.catchTags({
      SpamScoringNotConfigured: () => unscored,
      TimeoutException: () =>
        Effect.logWarning("ReceiveMessage.spam: no verdict in time, stored unscored").pipe(
          Effect.annotateLogs("client", message.clientIp),
          Effect.as(null)
        )
    })
  )

/** Stores customer mail: the raw message and its attachments as blobs, one row per recipient, with their events. */
const storeInbound = Effect.fn("ReceiveMessage.storeInbound")(function* (
  message: ReceivedMessage,
  parsed: ParsedMessage,
  recipients: ReadonlyArray<RecipientRoute>
) {
  // The sender's authentication and the spam filter's reading, both before anything is stored,
  // so the rows and their events carry them; asked together, the slower one sets the wait.
  const [authentication, spam] = yield* Effect.all(
    [
      Effect.flatMap(SenderAuthenticator, (auth) =>
        auth.verify({
          raw: message.raw,
          ip: message.clientIp,
          helo: message.helo,
          sender: message.envelopeFrom
        })
      ),
      scoreInbound(message, recipients)
    ],
    { concurrency: 2 }
  )
  const blobs = yield* BlobStore
  const folder = `inbound/${yield* Effect.sync(() => crypto.randomUUID())}`
  const rawKey = `${folder}/raw`
  const attachments: Array<NewInboundAttachment> = parsed.attachments.map((a, i) => ({
    filename: (a.filename ?? `attachment-${i + 1}`).replace(/[\p{Cc}/\\]/gu, "_"),
    contentType: a.contentType,
    size: a.content.length,
    blobKey: `${folder}/part-${i + 1}`
  }))
  const written = [rawKey, ...attachments.map((a) => a.blobKey)]
  let committed = false
  const store = Effect.gen(function* () {
    yield* blobs.put(rawKey, message.raw)
    for (const [i, a] of parsed.attachments.entries()) yield* blobs.put(`${folder}/part-${i + 1}`, a.content)
    const envelopeFrom = storableText(message.envelopeFrom)
    const from = parsed.from ?? { address: envelopeFrom, name: null }
    // Each row's envelope lists the recipients of its own team only.
    const rcptTo = (teamId: number) =>
      recipients.filter((other) => other.route.teamId === teamId).map((other) => other.address)
    const rows: Array<NewInboundEmail> = recipients.map((r) => ({
      teamId: r.route.teamId,
      domainId: r.route.domainId,
      fromAddress: from.address,
      fromName: from.name,
      toAddress: r.address,
      toAddresses: parsed.to,
      ccAddresses: parsed.cc,
      messageId: parsed.messageId,
      inReplyTo: parsed.inReplyTo,
      references: parsed.references,
      subject: parsed.subject,
      htmlBody: parsed.html,
      textBody: parsed.text,
      headers: parsed.headers,
      mailboxHash: mailboxHash(r.address),
      authentication,
      spamScore: spam?.score ?? null,
      spamVerdict: spam?.verdict ?? null,
      rawKey,
      envelope: { mailFrom: envelopeFrom, rcptTo: rcptTo(r.route.teamId) }
    }))
    const stored = yield* Effect.flatMap(InboundRepository, (repo) => repo.store(rows, attachments))
    committed = true
    return stored
  })
  // Nothing half-written: blobs of a message whose rows were not committed are removed again,
  // whether storing failed or was interrupted (the MX's time limit).
  return yield* store.pipe(
    Effect.onExit(() =>
      committed
        ? Effect.void
        : Effect.forEach(written, (key) => Effect.ignore(blobs.remove(key)), { discard: true })
    )
  )
})

/**
 * A message our MX accepted for the given recipients (routed at RCPT): refuses abusive
 * structure, parses it once, stores customer mail, and applies reports sent to bounce hosts.
 * Succeeds only once everything is committed, so the SMTP reply can say 250.
 */
export const ReceiveMessage = Effect.fn("ReceiveMessage")(function* (message: ReceivedMessage) {
  const problem = structuralProblem(message.raw)
  if (problem !== undefined) return yield* new MessageMalformed({ message: problem })
  const parsed = yield* Effect.flatMap(MailParser, (parser) => parser.parse(message.raw)).pipe(
    Effect.map(storableMessage),
    Effect.catchTag("MessageUnreadable", (e) => new MessageMalformed({ message: e.message }))
  )
  // One route per address, however often the envelope names it, as the relay counts its recipients.
  const recipients = firstPerAddress(message.recipients)
  const inbound = recipients.filter((r) => r.role === "inbound")
  if (inbound.length > 0) yield* storeInbound(message, parsed, inbound)
  for (const r of recipients) {
    if (r.role === "dmarc") yield* IngestDmarcReport(r.route, parsed)
    else if (r.role === "delivery") yield* ApplyDeliveryReport(r.route, message.raw, r.delivery)
    else if (r.role === "feedback") yield* ApplyDeliveryReport(r.route, message.raw, null)
  }
})
