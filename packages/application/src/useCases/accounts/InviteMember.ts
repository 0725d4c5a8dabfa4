import {
  canonicalEmail,
  INVITATION_LIFETIME_MS,
  type InvitationId,
  invitationProblem,
  PermissionDenied,
  type Role,
  type TeamId,
  type UserId
} from "@poststack/domain"
import { Clock, Effect } from "effect"
import { AccountTokens } from "../../ports/AccountTokens.js"
import { InvitationRepository } from "../../ports/InvitationRepository.js"
import { linkTo } from "./links.js"
import { mails } from "./mails.js"
import { memberOf } from "./memberOf.js"
import { SendSystemMail } from "./SendSystemMail.js"
import { auditPerson } from "./auditPerson.js"

/**
 * Invites an address to the team with a role: an owner or admin may, and only an owner hands out
 * ownership. The link goes by mail, works once and for seven days.
 */
export const InviteMember = Effect.fn("InviteMember")(function* (
  actor: UserId,
  teamId: TeamId,
  input: { readonly email: string; readonly role: Role }
) {
  const membership = yield* memberOf(teamId, actor)
  const problem = invitationProblem(membership.role, input.role)
  if (problem !== undefined) return yield* new PermissionDenied({ message: problem })
  const tokens = yield* AccountTokens
  const minted = yield* tokens.mint()
  const now = yield* Clock.currentTimeMillis
  const email = canonicalEmail(input.email)
  const invitation = yield* (yield* InvitationRepository).create({
    id: (yield* tokens.newId("inv")) as InvitationId,
    tokenHash: minted.hash,
    teamId,
    email,
    role: input.role,
    invitedBy: actor,
    expiresAt: new Date(now + INVITATION_LIFETIME_MS)
  })
  yield* auditPerson(actor, "member.invited", teamId, {
    target: { type: "invitation", id: invitation.id },
    details: { email, role: input.role }
  })
  const inviter = membership.name === "" ? membership.email : `${membership.name} (${membership.email})`
  yield* SendSystemMail(
    mails.invitation(
      email,
      membership.teamName,
      input.role,
      inviter,
      yield* linkTo("accept-invitation", minted.token)
    )
  )
  return invitation
})
