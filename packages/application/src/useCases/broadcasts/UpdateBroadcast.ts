import {
  BroadcastNotFound,
  type BroadcastPublicId,
  BroadcastNotInStatus,
  canUpdateBroadcast
} from "@poststack/domain"
import { Effect } from "effect"
import { BroadcastRepository } from "../../ports/BroadcastRepository.js"
import { authorize, type Principal } from "../Principal.js"
import { type BroadcastInput, findBroadcast, prepareBroadcast } from "./content.js"

/** Changes to a draft: what is given replaces what was there (`topic_id: null` removes the topic). */
export type BroadcastChanges = { readonly [K in keyof BroadcastInput]?: BroadcastInput[K] | undefined }

/** Edits a draft; a queued, sending or finished broadcast is refused (422) and left as it was. */
export const UpdateBroadcast = Effect.fn("UpdateBroadcast")(function* (
  principal: Principal,
  id: BroadcastPublicId,
  changes: BroadcastChanges
) {
  const scope = yield* authorize(principal, "broadcasts")
  const current = yield* findBroadcast(scope.teamId, id)
  if (!canUpdateBroadcast(current.broadcast.status))
    return yield* new BroadcastNotInStatus({ action: "update", status: current.broadcast.status })
  const b = current.broadcast
  const defined = Object.fromEntries(Object.entries(changes).filter(([, v]) => v !== undefined))
  const input: BroadcastInput = {
    name: b.name,
    segmentId: b.segmentPublicId ?? String(b.segmentId ?? ""),
    topicId: b.topicPublicId,
    from: b.fromName === null ? b.from : `${b.fromName} <${b.from}>`,
    subject: b.subject,
    html: b.html,
    text: b.text,
    replyTo: b.replyTo,
    abTest:
      b.abTest === null
        ? null
        : {
            variants: current.variants,
            samplePercent: b.abTest.samplePercent,
            durationMinutes: b.abTest.durationMinutes,
            metric: b.abTest.metric
          },
    ...defined
  }
  const content = yield* prepareBroadcast(scope, input)
  const result = yield* (yield* BroadcastRepository).update(
    scope.teamId,
    id,
    canUpdateBroadcast,
    () => content
  )
  if (result._tag === "NotFound") return yield* new BroadcastNotFound({ id })
  if (result._tag === "Refused")
    return yield* new BroadcastNotInStatus({ action: "update", status: result.status })
  return result.value
})
