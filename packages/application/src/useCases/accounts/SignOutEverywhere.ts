import type { UserId } from "@poststack/domain"
import { Effect } from "effect"
import { SessionStore } from "../../ports/SessionStore.js"

/** Ends every session of the person, this one included; returns how many ended. */
export const SignOutEverywhere = Effect.fn("SignOutEverywhere")(function* (userId: UserId) {
  return yield* (yield* SessionStore).revokeAll(userId, null)
})
