import { LastOwnerOfSharedTeam, ownerCount, type Session } from "@poststack/domain"
import { Clock, Effect } from "effect"
import { MembershipRepository } from "../../ports/MembershipRepository.js"
import { TeamClosure } from "../../ports/TeamClosure.js"
import { UserRepository } from "../../ports/UserRepository.js"
import { auditPerson } from "./auditPerson.js"
import { type IrreversibleProof, ReauthenticateForIrreversible } from "./ReauthenticateForIrreversible.js"

/**
 * A person deletes their own account, giving their password again (and a two-factor code when
 * that is on). The only owner of a team with
 * other members is refused (`LastOwnerOfSharedTeam`): someone else must own it first. Teams where
 * they are the only member are closed with the account (P25: their data follows within 30 days).
 * The deletion is an audit entry in each team they leave, written before they go.
 */
export const DeleteAccount = Effect.fn("DeleteAccount")(function* (
  session: Session,
  proof: IrreversibleProof,
  address: string | null
) {
  const users = yield* UserRepository
  yield* ReauthenticateForIrreversible(session, proof, address)
  const memberships = yield* MembershipRepository
  const mine = yield* memberships.listForUser(session.userId)
  const solo: Array<(typeof mine)[number]> = []
  for (const m of mine) {
    const members = yield* memberships.listMembers(m.teamId)
    if (members.length === 1) solo.push(m)
    else if (m.role === "owner" && ownerCount(members) === 1)
      return yield* new LastOwnerOfSharedTeam({
        message: `You are the only owner of ${m.teamName}, which has other members: make one of them an owner, or close the team, first`
      })
  }
  yield* auditPerson(session.userId, "account.deleted", "personal", {
    target: { type: "user", id: session.userId },
    details: { teams_closed: solo.length }
  })
  const at = new Date(yield* Clock.currentTimeMillis)
  const closure = yield* TeamClosure
  for (const m of solo) yield* closure.close(m.teamId, at)
  yield* users.remove(session.userId)
  return { teamsClosed: solo.map((m) => m.teamId) }
})
