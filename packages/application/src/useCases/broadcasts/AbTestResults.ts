import {
  BroadcastHasNoAbTest,
  type BroadcastPublicId,
  BroadcastNotInStatus,
  pickWinner
} from "@poststack/domain"
import { Effect } from "effect"
import { BroadcastRepository } from "../../ports/BroadcastRepository.js"
import { authorize, type Principal } from "../Principal.js"
import { findBroadcast } from "./content.js"

/** A broadcast's variants, each with its exact counters. */
export const BroadcastVariantStats = Effect.fn("BroadcastVariantStats")(function* (
  principal: Principal,
  id: BroadcastPublicId,
  requireAbTest: boolean
) {
  const { teamId } = yield* authorize(principal, "broadcasts")
  const read = yield* findBroadcast(teamId, id)
  if (requireAbTest && read.broadcast.abTest === null) return yield* new BroadcastHasNoAbTest()
  const repository = yield* BroadcastRepository
  const counters = yield* repository.variantCounters(read.broadcast.id)
  return {
    read,
    byHour: yield* repository.engagementByHour(read.broadcast.id),
    variants: read.variants.map((variant) => ({
      variant,
      counters: counters.find((c) => c.variantId === variant.id) ?? {
        variantId: variant.id,
        totalRecipients: 0,
        delivered: 0,
        opened: 0,
        clicked: 0,
        bounced: 0
      }
    }))
  }
})

/**
 * Decides the A/B test now by its metric over what the sample did so far; the winner goes to the
 * rest of the audience at once (the worker's next claim). Refused for a broadcast without a test,
 * or one not sending its test.
 */
export const EndAbTest = Effect.fn("EndAbTest")(function* (principal: Principal, id: BroadcastPublicId) {
  const { read, variants } = yield* BroadcastVariantStats(principal, id, true)
  const b = read.broadcast
  if (b.status !== "sending" || b.winnerVariantId !== null)
    return yield* new BroadcastNotInStatus({
      action: "end the A/B test of",
      status: b.winnerVariantId === null ? b.status : "decided"
    })
  const winner = pickWinner(
    variants.map((v) => ({ id: v.variant.id, ...v.counters })),
    b.abTest?.metric ?? "open_rate"
  )
  const decided = yield* (yield* BroadcastRepository).decideWinner(b.id, winner)
  if (!decided) return yield* new BroadcastNotInStatus({ action: "end the A/B test of", status: "decided" })
  return winner
})
