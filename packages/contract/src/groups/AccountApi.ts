import { HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "@effect/platform"
import { AccountEmail, DisplayName, Password, TimeZone } from "@poststack/domain"
import { Schema } from "effect"
import { LastOwnerJson, UnauthorizedJson } from "../errors.js"
import { SessionAuthentication } from "../middleware/SessionAuthentication.js"
import { Accepted, TeamMembershipView, UserView } from "./AccountViews.js"
import { IrreversibleChangeBody } from "./TwoFactorApi.js"

export const UpdateAccountBody = Schema.Struct({
  name: Schema.optional(DisplayName),
  timeZone: Schema.optional(TimeZone).pipe(Schema.fromKey("time_zone"))
})

export const ChangePasswordBody = Schema.Struct({
  currentPassword: Schema.propertySignature(Schema.String.pipe(Schema.maxLength(256), Schema.Redacted)).pipe(
    Schema.fromKey("current_password")
  ),
  newPassword: Schema.propertySignature(Password).pipe(Schema.fromKey("new_password"))
})

export const ChangeEmailBody = Schema.Struct({
  password: Schema.String.pipe(Schema.maxLength(256), Schema.Redacted),
  newEmail: Schema.propertySignature(AccountEmail).pipe(Schema.fromKey("new_email"))
})

const Account = Schema.Struct({ user: UserView, teams: Schema.Array(TeamMembershipView) })

/** `/account`: the signed-in person's profile and credentials. */
export class AccountApi extends HttpApiGroup.make("account")
  .add(HttpApiEndpoint.get("get", "/account").addSuccess(Account))
  .add(HttpApiEndpoint.patch("update", "/account").setPayload(UpdateAccountBody).addSuccess(Account))
  .add(
    HttpApiEndpoint.post("changePassword", "/account/password")
      .setPayload(ChangePasswordBody)
      .addSuccess(Schema.Struct({ success: Schema.Literal(true), endedSessions: Schema.Int }))
      .addError(UnauthorizedJson)
  )
  .add(
    HttpApiEndpoint.post("changeEmail", "/account/email")
      .setPayload(ChangeEmailBody)
      .addSuccess(Accepted, { status: 202 })
      .addError(UnauthorizedJson)
  )
  .add(
    HttpApiEndpoint.post("deleteAccount", "/account/delete")
      .setPayload(IrreversibleChangeBody)
      .addSuccess(Schema.Struct({ deleted: Schema.Literal(true), teamsClosed: Schema.Array(Schema.Int) }))
      .addError(UnauthorizedJson)
      .addError(LastOwnerJson)
      .annotate(
        OpenApi.Description,
        "Deletes the signed-in person's account (password again, and a two-factor code when that is on). Teams where they are the only member are closed with it; the only owner of a team with other members gets 409 last_owner."
      )
  )
  .add(
    HttpApiEndpoint.get("exportData", "/account/export")
      .addSuccess(HttpApiSchema.Uint8Array({ contentType: "application/json" }))
      .annotate(
        OpenApi.Description,
        "The signed-in person's own data (account, teams, sessions, linked providers, audit entries about them) as a JSON file."
      )
  )
  .middleware(SessionAuthentication)
  .annotate(OpenApi.Title, "Account") {}
