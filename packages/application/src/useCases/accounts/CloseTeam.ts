import { PermissionDenied, ResourceNotFound, type Session, type TeamId } from "@poststack/domain"
import { Clock, Effect, Option } from "effect"
import { TeamClosure } from "../../ports/TeamClosure.js"
import { TeamRepository } from "../../ports/TeamRepository.js"
import { recordAudit } from "../audit/RecordAudit.js"
import { asOperator } from "../Principal.js"
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
  return yield* closeNow(teamId)
})

/** What the owner's route and the operator's command share once their checks passed. */
const closeNow = (teamId: TeamId) =>
  Effect.gen(function* () {
    const at = new Date(yield* Clock.currentTimeMillis)
    const closed = yield* (yield* TeamClosure).close(teamId, at)
    return {
      ...closed,
      alreadyClosed: closed.closedAt.getTime() !== at.getTime(),
      deletionAfter: new Date(closed.closedAt.getTime() + CLOSED_TEAM_GRACE_DAYS * 86_400_000)
    }
  })

/**
 * The operator closes a team from the CLI (`poststack teams close`): the same closure as the
 * owner's (keys revoked, waiting mail cancelled, deletion two weeks later), with the operator as
 * the audit entry's actor. A team closed already is left as it was (`alreadyClosed`).
 */
export const CloseTeamAsOperator = Effect.fn("CloseTeamAsOperator")(function* (teamId: TeamId) {
  const team = yield* (yield* TeamRepository).get(teamId)
  if (Option.isNone(team)) return yield* new ResourceNotFound({ message: `No team ${teamId}` })
  const closed = yield* closeNow(teamId)
  if (!closed.alreadyClosed)
    yield* recordAudit(
      asOperator(teamId),
      "team.closed",
      { type: "team", id: teamId },
      { name: team.value.name }
    )
  return { ...closed, name: team.value.name }
})
