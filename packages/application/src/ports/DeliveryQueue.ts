import type { ClaimedDelivery, DeliverySettlement } from "@poststack/domain"
import { Context, type Effect } from "effect"
import type { StoreUnavailable } from "./StoreUnavailable.js"

/** What an attempt makes of a delivery, as the domain settles it (`settleDelivery`). */
export type DeliveryResult = DeliverySettlement

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
