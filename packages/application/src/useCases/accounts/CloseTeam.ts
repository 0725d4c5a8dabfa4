import { PermissionDenied, type Session, type TeamId } from "@poststack/domain"
import { Clock, Effect } from "effect"
import { TeamClosure } from "../../ports/TeamClosure.js"
import { CLOSED_TEAM_GRACE_DAYS } from "../retention/PurgeExpiredData.js"
import { auditPerson } from "./auditPerson.js"
import { memberOf } from "./memberOf.js"
import { type IrreversibleProof, ReauthenticateForIrreversible } from "./ReauthenticateForIrreversible.js"

/**
 * An owner closes a team (P25), giving their password again, and a two-factor code when that is
 * on, as for other account changes that cannot be undone: sending stops at once (its keys are gone, waiting mail is cancelled), nobody
 * reaches the team any more, and its data is deleted `CLOSED_TEAM_GRACE_DAYS` later. Its billing
 * records stay (P27). The closure is an audit entry of the team, written before it closes.
 */
export const CloseTeam = Effect.fn("CloseTeam")(function* (
  session: Session,
  teamId: TeamId,
  proof: IrreversibleProof,
  address: string | null
) {
  const membership = yield* memberOf(teamId, session.userId)
  if (membership.role !== "owner")
    return yield* new PermissionDenied({ message: "Only an owner can close the team" })
  yield* ReauthenticateForIrreversible(session, proof, address)
  yield* auditPerson(session.userId, "team.closed", teamId, {
    target: { type: "team", id: teamId },
    details: { name: membership.teamName }
  })
  const at = new Date(yield* Clock.currentTimeMillis)
  const closed = yield* (yield* TeamClosure).close(teamId, at)
  return {
    ...closed,
    deletionAfter: new Date(closed.closedAt.getTime() + CLOSED_TEAM_GRACE_DAYS * 86_400_000)
  }
})
