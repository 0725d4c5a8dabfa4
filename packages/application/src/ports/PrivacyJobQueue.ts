import type { ErasureProgress, PrivacyJobKind, PrivacyJobStatus, TeamId } from "@poststack/domain"
import { Context, type Effect, type Option } from "effect"
import type { StoreUnavailable } from "./StoreUnavailable.js"

export interface PrivacyJob {
  readonly id: string
  readonly teamId: TeamId
  readonly kind: PrivacyJobKind
  /** `null` once an erasure finished: the job no longer names whom it erased. */
  readonly address: string | null
  readonly status: PrivacyJobStatus
  readonly progress: ErasureProgress | null
  /** An export's archive, or an erasure's report. */
  readonly result: unknown
  readonly requestedBy: string | null
  readonly createdAt: Date
  readonly finishedAt: Date | null
}

/** Data-subject exports and erasures waiting, running and done, claimed by workers with a lease. */
export class PrivacyJobQueue extends Context.Tag("@poststack/application/PrivacyJobQueue")<
  PrivacyJobQueue,
  {
    readonly enqueue: (job: {
      readonly teamId: TeamId
      readonly kind: PrivacyJobKind
      readonly address: string
      readonly requestedBy: string | null
    }) => Effect.Effect<PrivacyJob, StoreUnavailable>
    /** One of the team's jobs; another team's is none. */
    readonly find: (teamId: TeamId, id: string) => Effect.Effect<Option.Option<PrivacyJob>, StoreUnavailable>
    /**
     * Jobs waiting, or running under a lease that ran out (their worker died), now this worker's.
     * With `id`, only that job (an operator running it on the spot): none when another holds it.
     */
    readonly claim: (request: {
      readonly limit: number
      readonly leaseMs: number
      readonly id?: string
    }) => Effect.Effect<ReadonlyArray<PrivacyJob>, StoreUnavailable>
    readonly extend: (
      jobs: ReadonlyArray<PrivacyJob>,
      leaseMs: number
    ) => Effect.Effect<void, StoreUnavailable>
    readonly release: (jobs: ReadonlyArray<PrivacyJob>) => Effect.Effect<void, StoreUnavailable>
    /** Saves how far a job got, so a worker taking it over after a crash starts there. */
    readonly saveProgress: (id: string, progress: ErasureProgress) => Effect.Effect<void, StoreUnavailable>
    /**
     * Ends a job with its result. An erasure's end also forgets the address: its own and those of
     * the team's exports of the same address.
     */
    readonly finish: (id: string, result: unknown) => Effect.Effect<void, StoreUnavailable>
  }
>() {}
