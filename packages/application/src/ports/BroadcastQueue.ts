import type { Broadcast, Plan, SegmentAudienceOf } from "@poststack/domain"
import { Context, type Effect } from "effect"
import type { StoreUnavailable } from "./StoreUnavailable.js"

/** A broadcast claimed by a worker for its next step. */
export interface BroadcastJob {
  readonly broadcast: Broadcast
  readonly variants: ReadonlyArray<{
    readonly id: number
    readonly weight: number
    readonly subject: string
    readonly html: string | null
    readonly text: string | null
  }>
}

/** A recipient's contact fields, as a template reads them under `contact`. */
export type ContactFields = Readonly<Record<string, unknown>>

/** One recipient's content, rendered from its variant's (`null`: the broadcast's own) with its contact. */
export type RenderFor = (
  variantId: number | null,
  contact: ContactFields
) => { readonly subject: string; readonly html: string | null; readonly text: string | null }

/** What one expansion step did. */
export type ExpansionStep =
  /** A batch was written; more may follow. */
  | { readonly _tag: "Batch"; readonly recipients: number }
  /** The phase ran out of audience (or the sample is full): the row moved to its next phase. */
  | { readonly _tag: "PhaseDone" }
  /** The broadcast is no longer this worker's, or was cancelled: stop. */
  | { readonly _tag: "Stopped" }
  /** The team's plan has no room left for another email: nothing was written. */
  | { readonly _tag: "OutOfQuota"; readonly refusal: "monthly" | "daily" }

/** How a step is taken: its size, the per-recipient renderer, the plan whose limits it respects. */
export interface StepOptions {
  readonly limit: number
  /**
   * Without it every recipient of a variant gets the same content and the batch is one
   * `INSERT … SELECT`; with it, the batch's contacts are read first and each gets its own
   * rendering, in the same transaction.
   */
  readonly render?: RenderFor | undefined
  /**
   * A limited plan: the batch takes at most the room its limits leave, counted (with the places
   * held by sends being accepted) in the step's own transaction, so a broadcast and the team's
   * other sends never pass a limit between them. Test-mode broadcasts are never held to it.
   */
  readonly plan?: Plan | undefined
}

/**
 * The broadcasts workers expand, each a row claimed with a lease when it is due: queued for now
 * or its scheduled time, in the middle of an expansion a dead worker left, or at the end of its
 * A/B window. A step writes a batch of emails (one per recipient, each with one queued delivery)
 * and moves the cursor in one transaction, so a worker killed at any point resumes where the last
 * commit left, never mailing anyone twice (one recipient row per broadcast and contact) nor
 * skipping anyone.
 */
export class BroadcastQueue extends Context.Tag("@poststack/application/BroadcastQueue")<
  BroadcastQueue,
  {
    readonly claim: (request: {
      readonly limit: number
      readonly leaseMs: number
    }) => Effect.Effect<ReadonlyArray<BroadcastJob>, StoreUnavailable>
    readonly extend: (
      jobs: ReadonlyArray<BroadcastJob>,
      leaseMs: number
    ) => Effect.Effect<void, StoreUnavailable>
    readonly release: (jobs: ReadonlyArray<BroadcastJob>) => Effect.Effect<void, StoreUnavailable>
    /** How many contacts the broadcast reaches now (its segment minus those it must skip). */
    readonly reach: (
      broadcast: Broadcast,
      audience: SegmentAudienceOf
    ) => Effect.Effect<number, StoreUnavailable>
    /**
     * Starts a queued broadcast: `sending`, `sentAt` now, and its first phase. With an A/B test
     * that is the sample, a share of those the broadcast reaches now drawn at random and split by
     * weight, the draw kept in the same transaction so a resumed expansion writes the same one;
     * otherwise everyone.
     */
    readonly start: (
      job: BroadcastJob,
      audience: SegmentAudienceOf
    ) => Effect.Effect<BroadcastJob, StoreUnavailable>
    /** Writes up to `options.limit` more recipients of the current phase (see `ExpansionStep`). */
    readonly step: (
      job: BroadcastJob,
      audience: SegmentAudienceOf,
      options: StepOptions
    ) => Effect.Effect<ExpansionStep, StoreUnavailable>
    /** Where the row is now (its phase, winner, status), as the last commit left it. */
    readonly reload: (job: BroadcastJob) => Effect.Effect<BroadcastJob | null, StoreUnavailable>
    /**
     * Holds a queued or sending broadcast whose team may not send (suspended after a failed
     * payment): the row is given back without a lease, due again at `recheckAt`, and every
     * delivery of its mail still waiting in the queue (queued, scheduled, deferred) is held back
     * from the delivery claims until `unhold`. Nothing is done to a row in any other status.
     */
    readonly hold: (job: BroadcastJob, recheckAt: Date) => Effect.Effect<void, StoreUnavailable>
    /**
     * Lets the mail a hold kept back go again (due now), once the team may send; nothing when
     * none is held.
     */
    readonly unhold: (job: BroadcastJob) => Effect.Effect<void, StoreUnavailable>
    /** Gives the row back without a lease, due again at `at` (the end of an A/B window) or never. */
    readonly park: (job: BroadcastJob, at: Date | null) => Effect.Effect<void, StoreUnavailable>
  }
>() {}
