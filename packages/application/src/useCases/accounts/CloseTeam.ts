import { CredentialsRejected, PermissionDenied, type Session, type TeamId } from "@poststack/domain"
import { Clock, Effect, Option, type Redacted } from "effect"
import { PasswordHasher } from "../../ports/PasswordHasher.js"
import { TeamClosure } from "../../ports/TeamClosure.js"
import { UserRepository } from "../../ports/UserRepository.js"
import { CLOSED_TEAM_GRACE_DAYS } from "../retention/PurgeExpiredData.js"
import { auditPerson } from "./auditPerson.js"
import { memberOf } from "./memberOf.js"

/**
 * An owner closes a team (P25), giving their password again as for other account changes that
 * cannot be undone: sending stops at once (its keys are gone, waiting mail is cancelled), nobody
 * reaches the team any more, and its data is deleted `CLOSED_TEAM_GRACE_DAYS` later. Its billing
 * records stay (P27). The closure is an audit entry of the team, written before it closes.
 */
export const CloseTeam = Effect.fn("CloseTeam")(function* (
  session: Session,
  teamId: TeamId,
  password: Redacted.Redacted<string>
) {
  const membership = yield* memberOf(teamId, session.userId)
  if (membership.role !== "owner")
    return yield* new PermissionDenied({ message: "Only an owner can close the team" })
  const found = yield* (yield* UserRepository).get(session.userId)
  const check = yield* (yield* PasswordHasher).verify(
    Option.isSome(found) ? found.value.passwordHash : null,
    password
  )
  if (!check.matches) return yield* new CredentialsRejected({ message: "The current password is wrong" })
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
