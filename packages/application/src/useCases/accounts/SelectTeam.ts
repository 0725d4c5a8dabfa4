import type { Session, TeamId } from "@poststack/domain"
import { Effect } from "effect"
import { SessionStore } from "../../ports/SessionStore.js"
import { memberOf } from "./memberOf.js"

/** Makes the session act on one of its person's teams from now on. */
export const SelectTeam = Effect.fn("SelectTeam")(function* (session: Session, teamId: TeamId) {
  const membership = yield* memberOf(teamId, session.userId)
  yield* (yield* SessionStore).selectTeam(session.id, teamId)
  return membership
})
