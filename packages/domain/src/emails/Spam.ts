import { Schema } from "effect"

/** What a spam filter would do with a message, mildest first (the contract's `SpamAction`). */
export const SpamAction = Schema.Literal(
  "no_action",
  "greylist",
  "add_header",
  "rewrite_subject",
  "soft_reject",
  "reject"
)
export type SpamAction = typeof SpamAction.Type

/** One rule that matched, with the points it added (negative points speak for the message). */
export interface SpamSymbol {
  readonly name: string
  readonly score: number
  readonly description: string | null
}

/** A spam filter's reading of one message. */
export interface SpamVerdict {
  readonly score: number
  /** The score at which the filter would reject, when it says. */
  readonly requiredScore: number | null
  readonly action: SpamAction
  /** Strongest first. */
  readonly symbols: ReadonlyArray<SpamSymbol>
}

/** No spam filter is configured on this server, so nothing can be scored. */
export class SpamScoringNotConfigured extends Schema.TaggedError<SpamScoringNotConfigured>()(
  "SpamScoringNotConfigured",
  { message: Schema.String }
) {}
