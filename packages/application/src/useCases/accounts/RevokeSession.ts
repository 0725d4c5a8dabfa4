import { ResourceNotFound, type SessionId, type UserId } from "@poststack/domain"
import { Effect } from "effect"
import { SessionStore } from "../../ports/SessionStore.js"

/** Ends one of the person's own sessions; another person's session is not found. */
export const RevokeSession = Effect.fn("RevokeSession")(function* (userId: UserId, id: SessionId) {
  const ended = yield* (yield* SessionStore).revoke(userId, id)
  if (!ended) return yield* new ResourceNotFound({ message: "Session not found" })
})
