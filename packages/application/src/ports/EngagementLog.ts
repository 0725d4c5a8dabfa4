import type { EngagementEvent, SuppressionMatch, TeamId, TrackingRef } from "@poststack/domain"
import { Context, type Effect, type Option } from "effect"
import type { StoreUnavailable } from "./StoreUnavailable.js"

export type UnsubscribeOutcome =
  | { readonly _tag: "Unsubscribed"; readonly recipient: string; readonly suppression: SuppressionMatch }
  /** The email or its recipient is gone: there is nothing left to unsubscribe. */
  | { readonly _tag: "Unknown" }

/** Where readers' opens, clicks and unsubscribes are recorded (each also reaches webhooks). */
export class EngagementLog extends Context.Tag("@poststack/application/EngagementLog")<
  EngagementLog,
  {
    /**
     * Records an open or click later, in the background: it returns at once and never fails, so
     * a redirect never waits for (or on) the database. Events wait in a bounded buffer while the
     * store is unreachable.
     */
    readonly record: (event: EngagementEvent) => Effect.Effect<void>
    /**
     * Puts the recipient on the team's suppression list (reason `unsubscribe`) and records an
     * `unsubscribed` event, once per recipient, in one transaction.
     */
    readonly unsubscribe: (
      ref: TrackingRef,
      via: "one_click" | "page",
      at: Date
    ) => Effect.Effect<UnsubscribeOutcome, StoreUnavailable>
    /** Whose copy the link is: the team and recipient address; `None` when the email is gone. */
    readonly reader: (
      ref: TrackingRef
    ) => Effect.Effect<
      Option.Option<{ readonly teamId: TeamId; readonly recipient: string }>,
      StoreUnavailable
    >
  }
>() {}
