import {
  formatMailbox,
  insightsFor,
  type SpamVerdict,
  plainSendRequest,
  ValidationFailed,
  validateSend
} from "@poststack/domain"
import { Clock, Effect } from "effect"
import { MailParser } from "../../ports/MailParser.js"
import { MessageComposer } from "../../ports/MessageComposer.js"
import { SpamChecker } from "../../ports/SpamChecker.js"
import { authorize, type Principal } from "../Principal.js"

/** A message to look at before sending it: nothing is sent or stored. */
export interface PreviewInput {
  readonly from: string
  readonly to: ReadonlyArray<string>
  readonly subject: string
  readonly html: string | null
  readonly text: string | null
}

/** A preview's spam reading; `skipped` when no filter was asked or none answered. */
export interface SpamReading {
  readonly verdict: SpamVerdict | null
  readonly skipped: boolean
}

export const PREVIEW_MAX_RECIPIENTS = 5

/** The message as the send path would build it, after the send's own checks. */
const compose = Effect.fnUntraced(function* (input: PreviewInput) {
  if (input.to.length > PREVIEW_MAX_RECIPIENTS)
    return yield* new ValidationFailed({ message: `to: at most ${PREVIEW_MAX_RECIPIENTS} recipients` })
  const now = new Date(yield* Clock.currentTimeMillis)
  const request = plainSendRequest({
    from: input.from,
    to: input.to,
    subject: input.subject,
    html: input.html,
    text: input.text
  })
  // A draft may have no body yet: it is scored as the empty message it is. The send's rule that
  // a body is required is the one check a preview does not share.
  const empty = input.html === null && input.text === null
  const valid = validateSend(empty ? { ...request, text: " " } : request, now)
  if (typeof valid === "string") return yield* new ValidationFailed({ message: valid })
  const composer = yield* MessageComposer
  const domain = valid.from.address.slice(valid.from.address.lastIndexOf("@") + 1)
  const message = yield* composer.compose({
    messageId: `<preview.${now.getTime()}@${domain}>`,
    date: now,
    from: valid.from,
    to: valid.to.map(formatMailbox),
    cc: [],
    replyTo: [],
    subject: input.subject,
    html: input.html,
    text: empty ? "" : input.text,
    headers: {},
    attachments: []
  })
  return { message, from: valid.from.address, to: valid.to.map((m) => m.address) }
})

/** The spam filter's reading of a message; fails only when the server has no filter. */
export const CheckSpam = Effect.fn("CheckSpam")(function* (principal: Principal, input: PreviewInput) {
  yield* authorize(principal, "emails.send")
  const built = yield* compose(input)
  const checker = yield* SpamChecker
  const outcome = yield* checker.check(built.message, { from: built.from, to: built.to })
  return outcome._tag === "Scored"
    ? ({ verdict: outcome.verdict, skipped: false } satisfies SpamReading)
    : ({ verdict: null, skipped: true } satisfies SpamReading)
})

/**
 * What a send would deliver: the subject, both bodies (the text part derived from the HTML when
 * none is given, as delivery does), their sizes, the spam filter's reading (skipped when the
 * server has none) and content advice.
 */
export const PreviewEmail = Effect.fn("PreviewEmail")(function* (principal: Principal, input: PreviewInput) {
  yield* authorize(principal, "emails.send")
  const built = yield* compose(input)
  const parsed = yield* (yield* MailParser)
    .parse(built.message)
    .pipe(Effect.orDieWith(() => new Error("a message we composed could not be read back")))
  const checker = yield* SpamChecker
  const spam = yield* checker.check(built.message, { from: built.from, to: built.to }).pipe(
    Effect.map(
      (outcome): SpamReading =>
        outcome._tag === "Scored"
          ? { verdict: outcome.verdict, skipped: false }
          : { verdict: null, skipped: true }
    ),
    Effect.catchTag("SpamScoringNotConfigured", () =>
      Effect.succeed<SpamReading>({ verdict: null, skipped: true })
    )
  )
  return {
    subject: input.subject,
    html: input.html,
    text: parsed.text,
    spam,
    warnings: insightsFor({ ...input, headers: {}, unsubscribe: false })
  }
})
