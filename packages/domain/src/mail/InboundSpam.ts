import { Schema } from "effect"
import type { SpamAction } from "../emails/Spam.js"

/** What a received message was judged, as the API shows it (null: not scored). */
export const InboundSpamVerdict = Schema.Literal("spam", "clean")
export type InboundSpamVerdict = typeof InboundSpamVerdict.Type

/**
 * Every action that would put the message anywhere but the inbox makes it spam: marked
 * (`add_header`, `rewrite_subject`) as much as refused (`soft_reject`, `reject`). Greylisting only
 * delays a sender the filter does not know yet, so it is clean, as `no_action` is.
 */
const VERDICTS: Record<SpamAction, InboundSpamVerdict> = {
  no_action: "clean",
  greylist: "clean",
  add_header: "spam",
  rewrite_subject: "spam",
  soft_reject: "spam",
  reject: "spam"
}

/** The verdict of a filter's action on a received message. */
export const inboundSpamVerdict = (action: SpamAction): InboundSpamVerdict => VERDICTS[action]

/** A received message's spam reading as it is stored: the filter's points and the verdict. */
export interface InboundSpamReading {
  readonly score: number
  readonly verdict: InboundSpamVerdict
}
