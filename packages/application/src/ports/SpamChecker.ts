import type { SpamScoringNotConfigured, SpamVerdict } from "@poststack/domain"
import { Context, type Effect } from "effect"

/** The outcome of asking the filter: its verdict, or why it could not give one. */
export type SpamCheckOutcome =
  | { readonly _tag: "Scored"; readonly verdict: SpamVerdict }
  /** The filter is configured but did not answer in time, or answered with something unreadable. */
  | { readonly _tag: "Unreachable"; readonly reason: string }

/** Who sent the message to whom, and, for mail our MX received, the client that connected. */
export interface SpamCheckEnvelope {
  readonly from: string
  readonly to: ReadonlyArray<string>
  /** The connecting client's address and the name it gave in HELO/EHLO. */
  readonly client?: { readonly ip: string; readonly helo: string }
}

/** Scores a complete message as a receiving spam filter would: a draft before it is sent, or mail our MX received. */
export class SpamChecker extends Context.Tag("@poststack/application/SpamChecker")<
  SpamChecker,
  {
    /**
     * Reads the message as delivered to `to` from `from`, and, for mail our MX received, from the
     * client that connected (its address and the name it gave in HELO), as a receiving filter
     * would. A filter that is down is an answer (`Unreachable`), not a failure; only a server
     * with no filter at all fails.
     */
    readonly check: (
      message: Uint8Array,
      envelope: SpamCheckEnvelope
    ) => Effect.Effect<SpamCheckOutcome, SpamScoringNotConfigured>
  }
>() {}
