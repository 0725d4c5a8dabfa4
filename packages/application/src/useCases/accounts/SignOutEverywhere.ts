import type { UserId } from "@poststack/domain"
import { Effect } from "effect"
import { SessionStore } from "../../ports/SessionStore.js"
import { auditPerson } from "./auditPerson.js"

/** Ends every session of the person, this one included; returns how many ended. */
export const SignOutEverywhere = Effect.fn("SignOutEverywhere")(function* (userId: UserId) {
  const ended = yield* (yield* SessionStore).revokeAll(userId, null)
  yield* auditPerson(userId, "account.signed_out_everywhere", "personal", {
    details: { ended_sessions: ended }
  })
  return ended
})
