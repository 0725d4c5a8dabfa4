import {
  BroadcastNotFound,
  BroadcastNotInStatus,
  type BroadcastPublicId,
  canCancelBroadcast,
  canSendBroadcast
} from "@poststack/domain"
import { Clock, Effect } from "effect"
import { BroadcastRepository } from "../../ports/BroadcastRepository.js"
import { authorize, type Principal } from "../Principal.js"

const settle = <A>(
  id: BroadcastPublicId,
  action: string,
  result:
    | { readonly _tag: "NotFound" }
    | { readonly _tag: "Refused"; readonly status: string }
    | { readonly _tag: "Written"; readonly value: A }
) =>
  result._tag === "NotFound"
    ? Effect.fail(new BroadcastNotFound({ id }))
    : result._tag === "Refused"
      ? Effect.fail(new BroadcastNotInStatus({ action, status: result.status }))
      : Effect.succeed(result.value)

/** Queues a draft for the worker now; anything but a draft is refused (422) and nothing is queued. */
export const SendBroadcast = Effect.fn("SendBroadcast")(function* (
  principal: Principal,
  id: BroadcastPublicId
) {
  const { teamId } = yield* authorize(principal, "broadcasts")
  const now = new Date(yield* Clock.currentTimeMillis)
  return yield* settle(
    id,
    "send",
    yield* (yield* BroadcastRepository).queue(teamId, id, canSendBroadcast, now)
  )
})

/**
 * Stops a queued or sending broadcast: the expansion stops and every delivery of its mail not yet
 * handed to an MTA is cancelled, in one transaction.
 */
export const CancelBroadcast = Effect.fn("CancelBroadcast")(function* (
  principal: Principal,
  id: BroadcastPublicId
) {
  const { teamId } = yield* authorize(principal, "broadcasts")
  return yield* settle(
    id,
    "cancel",
    yield* (yield* BroadcastRepository).cancel(teamId, id, canCancelBroadcast)
  )
})
