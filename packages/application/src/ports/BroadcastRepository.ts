import type {
  Broadcast,
  BroadcastCounters,
  BroadcastId,
  BroadcastPublicId,
  BroadcastStatus,
  SegmentId,
  TeamId,
  TopicId,
  Variant,
  WinnerMetric
} from "@poststack/domain"
import { Context, type Effect, type Option } from "effect"
import type { StoreUnavailable } from "./StoreUnavailable.js"

/** A variant as written by a create or an update. */
export interface NewVariant {
  readonly name: string
  readonly subject: string
  readonly html: string | null
  readonly text: string | null
  readonly weight: number
}

/** What a broadcast holds as written by its sender; ids are already resolved inside the team. */
export interface BroadcastContent {
  readonly name: string | null
  readonly subject: string
  readonly html: string | null
  readonly text: string | null
  readonly from: string
  readonly fromName: string | null
  /** The team's verified domain the `from` address is on. */
  readonly domainId: number
  readonly replyTo: string | null
  readonly segmentId: SegmentId
  /** The segment's and topic's public ids, as resolved (the stores show them with the broadcast). */
  readonly segmentPublicId: string
  readonly topicId: TopicId | null
  readonly topicPublicId: string | null
  readonly abTest: {
    readonly variants: ReadonlyArray<NewVariant>
    readonly samplePercent: number
    readonly durationMinutes: number
    readonly metric: WinnerMetric
  } | null
}

export interface NewBroadcast extends BroadcastContent {
  readonly apiKeyId: number | null
  readonly testMode: boolean
  /** Set: the broadcast is queued for that time; unset: a draft. */
  readonly scheduledAt: Date | null
}

/** A broadcast with its variants and exact counters. */
export interface BroadcastRead {
  readonly broadcast: Broadcast
  readonly variants: ReadonlyArray<Variant>
  readonly counters: BroadcastCounters
}

/** One hour of a broadcast's engagement: recipients who first opened or first clicked in it. */
export interface EngagementHour {
  readonly hour: Date
  readonly opened: number
  readonly clicked: number
}

export interface VariantCounters extends BroadcastCounters {
  readonly variantId: number
}

/** A contact a broadcast reached who did not open (or click). */
export interface UnengagedContact {
  readonly id: string
  readonly email: string
  readonly firstName: string | null
  readonly lastName: string | null
  readonly contactId: number
}

/** What a change under a rule did (see `docs/errors.md`). */
export type Guarded<A> =
  | { readonly _tag: "NotFound" }
  | { readonly _tag: "Refused"; readonly status: BroadcastStatus }
  | { readonly _tag: "Written"; readonly value: A }

/**
 * A team's broadcasts. Changes of status are taken under the row's lock with the rule given, so a
 * send racing a cancel or an edit never both win. Counters are counted from the broadcast's own
 * emails, deliveries and events, never kept as separate numbers that could drift.
 */
export class BroadcastRepository extends Context.Tag("@poststack/application/BroadcastRepository")<
  BroadcastRepository,
  {
    readonly create: (teamId: TeamId, input: NewBroadcast) => Effect.Effect<BroadcastRead, StoreUnavailable>
    readonly get: (
      teamId: TeamId,
      id: BroadcastPublicId
    ) => Effect.Effect<Option.Option<BroadcastRead>, StoreUnavailable>
    /** Newest first; `search` is part of the subject, case-insensitively. */
    readonly list: (
      teamId: TeamId,
      filter: { readonly search?: string; readonly status?: BroadcastStatus },
      page: number,
      perPage: number
    ) => Effect.Effect<
      { readonly rows: ReadonlyArray<BroadcastRead>; readonly total: number },
      StoreUnavailable
    >
    /** The team's broadcasts to a segment, newest first. */
    readonly bySegment: (
      teamId: TeamId,
      segmentId: SegmentId
    ) => Effect.Effect<ReadonlyArray<Broadcast>, StoreUnavailable>
    /** Sent and sending broadcasts since a time, newest first, at most `limit`. */
    readonly sentSince: (
      teamId: TeamId,
      since: Date | null,
      limit: number
    ) => Effect.Effect<ReadonlyArray<BroadcastRead>, StoreUnavailable>
    /** Replaces the content of a broadcast whose status `allowed` accepts (a draft). */
    readonly update: (
      teamId: TeamId,
      id: BroadcastPublicId,
      allowed: (status: BroadcastStatus) => boolean,
      next: (current: BroadcastRead) => BroadcastContent
    ) => Effect.Effect<Guarded<BroadcastRead>, StoreUnavailable>
    /**
     * Queues the broadcast for the worker at `at` (now, or its scheduled time), if `allowed`
     * accepts its status.
     */
    readonly queue: (
      teamId: TeamId,
      id: BroadcastPublicId,
      allowed: (status: BroadcastStatus) => boolean,
      at: Date
    ) => Effect.Effect<Guarded<void>, StoreUnavailable>
    /**
     * Cancels the broadcast if `allowed` accepts its status: the expansion stops, and every
     * delivery of its emails not yet handed to an MTA is cancelled in the same transaction.
     * `mailWaiting` says whether any of its mail still waits in the delivery queue (queued,
     * scheduled or deferred); it is looked up for a `sent` broadcast only (whether the others can
     * be stopped does not depend on it) and is `false` for the rest.
     */
    readonly cancel: (
      teamId: TeamId,
      id: BroadcastPublicId,
      allowed: (status: BroadcastStatus, mailWaiting: boolean) => boolean
    ) => Effect.Effect<Guarded<{ readonly cancelledDeliveries: number }>, StoreUnavailable>
    /** Counters per variant (only recipients of the sample and of the winner's rest carry a variant). */
    readonly variantCounters: (
      broadcastId: BroadcastId
    ) => Effect.Effect<ReadonlyArray<VariantCounters>, StoreUnavailable>
    /**
     * Decides the winner now (whatever the window says) if the broadcast is sending its A/B test
     * and has none yet: the rest of the audience is due at once. `false` when there was nothing to decide.
     */
    readonly decideWinner: (
      broadcastId: BroadcastId,
      winnerVariantId: number
    ) => Effect.Effect<boolean, StoreUnavailable>
    /**
     * Opens and clicks by hour (UTC), oldest first, each recipient counted once per kind at the
     * hour of its first such event, so the hours add up to the counters. Hours without any are left out.
     */
    readonly engagementByHour: (
      broadcastId: BroadcastId
    ) => Effect.Effect<ReadonlyArray<EngagementHour>, StoreUnavailable>
    /**
     * Contacts whose broadcast mail was delivered and never opened (`opened`) or clicked
     * (`clicked`); pending and failed recipients are left out.
     */
    readonly unengaged: (
      broadcastId: BroadcastId,
      event: "opened" | "clicked",
      limit: number
    ) => Effect.Effect<
      { readonly count: number; readonly contacts: ReadonlyArray<UnengagedContact> },
      StoreUnavailable
    >
  }
>() {}
