import {
  canonicalEmail,
  ResourceNotFound,
  type Role,
  TeamClosed,
  type TeamId,
  ValidationFailed
} from "@poststack/domain"
import { Effect, Option } from "effect"
import { MembershipRepository } from "../../ports/MembershipRepository.js"
import { TeamRepository } from "../../ports/TeamRepository.js"
import { UserRepository } from "../../ports/UserRepository.js"
import { recordAudit } from "../audit/RecordAudit.js"
import { asOperator } from "../Principal.js"

/** The refusal for a team without an owner: its owner comes first. */
const noOwner = (teamId: TeamId) =>
  new ValidationFailed({
    message: `Team ${teamId} has no owner: make someone its owner first (teams add-member ${teamId} EMAIL owner)`
  })

/** What `AddMemberAsOperator` did: added the person, changed their role, or nothing (already so). */
export type OperatorMembership =
  | { readonly _tag: "Added"; readonly role: Role }
  | { readonly _tag: "RoleChanged"; readonly from: Role; readonly to: Role }
  | { readonly _tag: "Unchanged"; readonly role: Role }

/**
 * The operator's way to put a person who has signed up into a team with a role, without an
 * invitation (the command line only): a team whose owners are gone, an install whose mail cannot
 * reach people yet. A member already gets the role instead, under the rule that a team keeps an
 * owner. Each change is in the team's audit log with the operator as its actor, as a role change
 * through the API is with the person who made it.
 */
export const AddMemberAsOperator = Effect.fn("AddMemberAsOperator")(function* (
  teamId: TeamId,
  email: string,
  role: Role
) {
  const team = yield* (yield* TeamRepository).get(teamId)
  if (Option.isNone(team)) return yield* new ResourceNotFound({ message: `No team ${teamId}` })
  const found = yield* (yield* UserRepository).findByEmail(canonicalEmail(email))
  if (Option.isNone(found))
    return yield* new ResourceNotFound({
      message: `No person signed up as ${email}: they sign up first (or are invited from the dashboard)`
    })
  const person = found.value.user
  const target = { type: "user", id: person.id }
  const memberships = yield* MembershipRepository
  const current = yield* memberships.find(teamId, person.id)
  if (Option.isSome(current)) {
    const from = current.value.role
    if (from === role)
      return { person, team: team.value, outcome: { _tag: "Unchanged", role } satisfies OperatorMembership }
    // The store keeps a team's owner: refused when no one else would be left an owner.
    if (!(yield* memberships.setRole(teamId, person.id, role)))
      return yield* new ValidationFailed({
        message:
          from === "owner"
            ? `${person.email} is the last owner of team ${teamId}: make someone else an owner first`
            : noOwner(teamId).message
      })
    yield* recordAudit(asOperator(teamId), "member.role_changed", target, { from, to: role })
    return {
      person,
      team: team.value,
      outcome: { _tag: "RoleChanged", from, to: role } satisfies OperatorMembership
    }
  }
  // A team keeps an owner: one that has none (the default team starts empty) takes its owner
  // first, as a role change in it would be refused.
  if (role !== "owner" && !(yield* memberships.listMembers(teamId)).some((m) => m.role === "owner"))
    return yield* noOwner(teamId)
  if (!(yield* memberships.add(teamId, person.id, role)))
    return yield* new TeamClosed({ message: `Team ${teamId} is closed: nobody can join it` })
  yield* recordAudit(asOperator(teamId), "member.joined", target, { role })
  return { person, team: team.value, outcome: { _tag: "Added", role } satisfies OperatorMembership }
})
