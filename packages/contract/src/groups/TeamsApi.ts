import { HttpApiEndpoint, HttpApiGroup, OpenApi } from "@effect/platform"
import { AccountEmail, InvitationId, Role, TeamName, UserId } from "@poststack/domain"
import { Schema } from "effect"
import { ForbiddenJson, NotFoundJson, UnauthorizedJson, UnprocessableJson } from "../errors.js"
import { SessionAuthentication } from "../middleware/SessionAuthentication.js"
import { InvitationView, MemberView, TeamMembershipView } from "./AccountViews.js"
import { Success } from "./common.js"
import { IrreversibleChangeBody } from "./TwoFactorApi.js"
import { IdParam } from "./params.js"

const teamPath = Schema.Struct({ teamId: IdParam("a team") })
const memberPath = Schema.Struct({ teamId: IdParam("a team"), userId: UserId })
const invitationPath = Schema.Struct({ teamId: IdParam("a team"), id: InvitationId })

export const CreateTeamBody = Schema.Struct({
  name: TeamName
})
export const InviteBody = Schema.Struct({ email: AccountEmail, role: Role })
export const RoleBody = Schema.Struct({ role: Role })
export const AcceptBody = Schema.Struct({
  token: Schema.String.pipe(Schema.minLength(1), Schema.maxLength(200), Schema.Redacted)
})

/**
 * `/teams`: the person's teams, their members and invitations. A team the person is not in is
 * `404`, as if it did not exist; what a role may not do is `403`.
 */
export class TeamsApi extends HttpApiGroup.make("teams")
  .add(
    HttpApiEndpoint.get("list", "/teams").addSuccess(
      Schema.Struct({ data: Schema.Array(TeamMembershipView) })
    )
  )
  .add(
    HttpApiEndpoint.post("create", "/teams")
      .setPayload(CreateTeamBody)
      .addSuccess(TeamMembershipView, { status: 201 })
  )
  .add(
    HttpApiEndpoint.get("members", "/teams/:teamId/members")
      .setPath(teamPath)
      .addSuccess(Schema.Struct({ data: Schema.Array(MemberView) }))
  )
  .add(
    HttpApiEndpoint.patch("changeRole", "/teams/:teamId/members/:userId")
      .setPath(memberPath)
      .setPayload(RoleBody)
      .addSuccess(MemberView)
  )
  .add(
    HttpApiEndpoint.del("removeMember", "/teams/:teamId/members/:userId")
      .setPath(memberPath)
      .addSuccess(Success)
  )
  .add(
    HttpApiEndpoint.get("invitations", "/teams/:teamId/invitations")
      .setPath(teamPath)
      .addSuccess(Schema.Struct({ data: Schema.Array(InvitationView) }))
  )
  .add(
    HttpApiEndpoint.post("invite", "/teams/:teamId/invitations")
      .setPath(teamPath)
      .setPayload(InviteBody)
      .addSuccess(InvitationView, { status: 201 })
  )
  .add(
    HttpApiEndpoint.del("revokeInvitation", "/teams/:teamId/invitations/:id")
      .setPath(invitationPath)
      .addSuccess(Success)
  )
  .add(
    HttpApiEndpoint.post("close", "/teams/:teamId/close")
      .setPath(teamPath)
      .setPayload(IrreversibleChangeBody)
      .addSuccess(
        Schema.Struct({
          closed: Schema.Literal(true),
          closedAt: Schema.Date,
          deletionAfter: Schema.Date,
          keysRevoked: Schema.Int,
          emailsCancelled: Schema.Int
        })
      )
      .addError(UnauthorizedJson)
      .annotate(
        OpenApi.Description,
        "An owner closes the team, giving their password (and a two-factor code when that is on): keys are revoked and waiting mail cancelled at once; its data is deleted two weeks later, billing records excepted."
      )
  )
  .add(
    HttpApiEndpoint.post("acceptInvitation", "/teams/join")
      .setPayload(AcceptBody)
      .addSuccess(TeamMembershipView)
  )
  .addError(NotFoundJson)
  .addError(ForbiddenJson)
  .addError(UnprocessableJson)
  .middleware(SessionAuthentication)
  .annotate(OpenApi.Title, "Teams") {}
