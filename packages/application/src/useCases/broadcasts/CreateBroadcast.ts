import { Clock, Effect } from "effect"
import { BroadcastRepository } from "../../ports/BroadcastRepository.js"
import { authorize, type Principal } from "../Principal.js"
import { type BroadcastInput, prepareBroadcast } from "./content.js"

/**
 * Adds a broadcast: a draft, or queued for `scheduledAt` (a time already past starts it at once).
 * Everything it names is checked now, so a refused create writes nothing.
 */
export const CreateBroadcast = Effect.fn("CreateBroadcast")(function* (
  principal: Principal,
  input: BroadcastInput,
  scheduledAt: Date | null
) {
  const scope = yield* authorize(principal, "broadcasts")
  const content = yield* prepareBroadcast(scope, input)
  const now = yield* Clock.currentTimeMillis
  return yield* (yield* BroadcastRepository).create(scope.teamId, {
    ...content,
    apiKeyId: principal._tag === "ApiKey" ? principal.key.id : null,
    testMode: principal._tag === "ApiKey" && principal.key.mode === "test",
    scheduledAt: scheduledAt === null ? null : new Date(Math.max(scheduledAt.getTime(), now))
  })
})
