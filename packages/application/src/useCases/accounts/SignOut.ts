import type { Session } from "@poststack/domain"
import { Effect } from "effect"
import { SessionStore } from "../../ports/SessionStore.js"

/** Ends this session. */
export const SignOut = Effect.fn("SignOut")(function* (session: Session) {
  yield* (yield* SessionStore).revoke(session.userId, session.id)
})
