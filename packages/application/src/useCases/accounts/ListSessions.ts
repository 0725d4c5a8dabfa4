import type { UserId } from "@poststack/domain"
import { Clock, Effect } from "effect"
import { SessionStore } from "../../ports/SessionStore.js"

/** The person's live sessions (device, address, last seen), newest first. */
export const ListSessions = Effect.fn("ListSessions")(function* (userId: UserId) {
  const now = new Date(yield* Clock.currentTimeMillis)
  return yield* (yield* SessionStore).list(userId, now)
})
