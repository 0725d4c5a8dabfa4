import {
  type Broadcast,
  BroadcastNotFound,
  BroadcastNotInStatus,
  type BroadcastPublicId,
  canCancelBroadcast,
  canSendBroadcast,
  DailyLimitExceeded,
  MonthlyLimitExceeded,
  needsUsage,
  PermissionDenied,
  quotaRoom,
  SendLimitExceeded,
  sendingSuspended,
  type TeamId
} from "@poststack/domain"
import { Clock, Effect, Option } from "effect"
import { BroadcastQueue } from "../../ports/BroadcastQueue.js"
import { BroadcastRepository } from "../../ports/BroadcastRepository.js"
import { SubscriptionRepository } from "../../ports/SubscriptionRepository.js"
import { UsageMeter } from "../../ports/UsageMeter.js"
import { SUSPENDED } from "../billing/AdmitSend.js"
import { authorize, type Principal, reachOf } from "../Principal.js"
import { audienceFor } from "./broadcastAudience.js"

/**
 * The plan's word on a send: a team suspended for a failed payment may not send, and on a limited
 * plan everyone the broadcast reaches now must fit in the room its limits leave (the limit that
 * leaves less is named). Test-mode broadcasts count against nothing. The expansion holds each batch
 * to the limits again, exactly, since the team's other mail goes on meanwhile.
 */
const admitBroadcast = (teamId: TeamId, broadcast: Broadcast, now: Date) =>
  Effect.gen(function* () {
    if (broadcast.testMode) return
    const entitlement = yield* (yield* SubscriptionRepository).entitlementOf(teamId)
    if (sendingSuspended(entitlement, now)) return yield* new SendLimitExceeded({ message: SUSPENDED })
    if (!needsUsage(entitlement)) return
    const plan = entitlement.plan
    const usage = yield* (yield* UsageMeter).toDate(teamId, now)
    const room = quotaRoom(plan, usage)
    if (room === null) return
    const reach = yield* (yield* BroadcastQueue).reach(broadcast, yield* audienceFor(broadcast))
    if (reach <= room) return
    const monthLeft =
      plan.monthlyLimit !== null && plan.overageCentsPer1000 === null ? plan.monthlyLimit - usage.month : null
    if (monthLeft !== null && monthLeft < reach)
      return yield* new MonthlyLimitExceeded({
        message: `This broadcast reaches ${reach} contacts; the ${plan.name} plan's monthly limit of ${plan.monthlyLimit} leaves ${Math.max(0, monthLeft)} this month`
      })
    return yield* new DailyLimitExceeded({
      message: `This broadcast reaches ${reach} contacts; the ${plan.name} plan's daily limit of ${plan.dailyLimit} leaves ${room} today`
    })
  })

/** A test key never hands mail to a mail server, so it cannot send a broadcast made in live mode. */
export const LIVE_BROADCAST_TEST_KEY =
  "A test key cannot send a live broadcast: its mail would be delivered. Send it with a live key or from the dashboard"

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

/**
 * Queues a draft for the worker now; anything but a draft is refused (422), and so (429) is one
 * its plan has no room for: either way nothing is queued. A test key sending a live draft is 403.
 */
export const SendBroadcast = Effect.fn("SendBroadcast")(function* (
  principal: Principal,
  id: BroadcastPublicId
) {
  const { teamId } = yield* authorize(principal, "broadcasts")
  const now = new Date(yield* Clock.currentTimeMillis)
  const repository = yield* BroadcastRepository
  const current = yield* repository.get(teamId, id)
  if (Option.isSome(current) && !current.value.broadcast.testMode && reachOf(principal).mode === "test")
    return yield* new PermissionDenied({ message: LIVE_BROADCAST_TEST_KEY })
  if (Option.isSome(current) && canSendBroadcast(current.value.broadcast.status))
    yield* admitBroadcast(teamId, current.value.broadcast, now)
  return yield* settle(id, "send", yield* repository.queue(teamId, id, canSendBroadcast, now))
})

/**
 * Stops a queued or sending broadcast, or a sent one whose mail still waits in the delivery queue:
 * the expansion stops and every delivery of its mail not yet handed to an MTA is cancelled, in one
 * transaction. A sent broadcast with nothing left waiting is refused (422): there is nothing to stop.
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
