import type { ClaimedDelivery, DeliveryStatus, EmailEventDetail, TeamId } from "@poststack/domain"
import { Context, type Effect } from "effect"
import type { StoreUnavailable } from "./StoreUnavailable.js"

export interface DeliveryResult {
  readonly status: DeliveryStatus
  readonly reply: string | null
  readonly mx: string | null
  /** For a deferred delivery: when to try again. */
  readonly nextAttemptAt: Date | null
  /** What happened, in order; each becomes an `email.<type>` webhook event. */
  readonly events: ReadonlyArray<EmailEventDetail>
  /** Put the recipient on the team's suppression list (a hard bounce, a complaint). */
  readonly suppress: {
    readonly teamId: TeamId
    readonly address: string
    readonly reason: "hard_bounce" | "complaint"
  } | null
}

/**
 * Deliveries waiting for a worker. Claims use `FOR UPDATE SKIP LOCKED` and a lease, so any
 * number of workers share the queue and a crashed worker's claims come back when the lease ends.
 */
export class DeliveryQueue extends Context.Tag("@poststack/application/DeliveryQueue")<
  DeliveryQueue,
  {
    readonly claim: (options: {
      readonly now: Date
      readonly limit: number
      readonly leaseMs: number
      readonly testMode: boolean
    }) => Effect.Effect<ReadonlyArray<ClaimedDelivery>, StoreUnavailable>
    /**
     * Renews the lease of deliveries this worker is still working on, so that only a dead worker's
     * claims ever run out (a slow exchange is not taken over and sent twice).
     */
    readonly extend: (options: {
      /** The claims still held (a claim another worker has taken since is left alone). */
      readonly claims: ReadonlyArray<Pick<ClaimedDelivery, "id" | "attempts">>
      readonly now: Date
      readonly leaseMs: number
    }) => Effect.Effect<void, StoreUnavailable>
    /**
     * Settles one claim: the delivery's new state, its events and the email's status, in one
     * transaction (which may settle other claims recorded at the same moment too). A claim whose
     * lease ran out and that another worker took over records nothing (the attempt count it
     * claimed names it).
     */
    readonly record: (
      claim: Pick<ClaimedDelivery, "id" | "attempts">,
      result: DeliveryResult
    ) => Effect.Effect<void, StoreUnavailable>
  }
>() {}
