import { HttpApiEndpoint, HttpApiGroup, OpenApi } from "@effect/platform"
import { SessionId } from "@poststack/domain"
import { Schema } from "effect"
import { NotFoundJson } from "../errors.js"
import { SessionAuthentication } from "../middleware/SessionAuthentication.js"
import { SessionInfo, SessionView } from "./AccountViews.js"
import { MAX_ID } from "./params.js"

export const SelectTeamBody = Schema.Struct({
  teamId: Schema.propertySignature(Schema.Int.pipe(Schema.between(1, MAX_ID))).pipe(Schema.fromKey("team_id"))
})

/** `/auth/session` and `/auth/sessions`: the signed-in person's own sessions. */
export class SessionsApi extends HttpApiGroup.make("sessions")
  .add(HttpApiEndpoint.get("current", "/auth/session").addSuccess(SessionInfo))
  .add(
    HttpApiEndpoint.del("signOut", "/auth/session").addSuccess(
      Schema.Struct({ success: Schema.Literal(true) })
    )
  )
  .add(
    HttpApiEndpoint.put("selectTeam", "/auth/session/team")
      .setPayload(SelectTeamBody)
      .addSuccess(SessionInfo)
      .addError(NotFoundJson)
  )
  .add(
    HttpApiEndpoint.get("list", "/auth/sessions").addSuccess(
      Schema.Struct({ data: Schema.Array(SessionView) })
    )
  )
  .add(
    HttpApiEndpoint.del("signOutEverywhere", "/auth/sessions").addSuccess(
      Schema.Struct({ success: Schema.Literal(true), ended: Schema.Int })
    )
  )
  .add(
    HttpApiEndpoint.del("revoke", "/auth/sessions/:id")
      .setPath(Schema.Struct({ id: SessionId }))
      .addSuccess(Schema.Struct({ success: Schema.Literal(true), deleted: Schema.Literal(true) }))
      .addError(NotFoundJson)
  )
  .middleware(SessionAuthentication)
  .annotate(OpenApi.Title, "Sessions") {}
