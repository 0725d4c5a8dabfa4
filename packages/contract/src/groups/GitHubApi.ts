import { HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "@effect/platform"
import { Schema } from "effect"
import {
  ConflictJson,
  NotFoundJson,
  OAuthNotConfiguredJson,
  OAuthProviderUnavailableJson,
  OAuthRefusedJson,
  StateConflictJson,
  UnauthorizedJson,
  UnavailableJson
} from "../errors.js"
import { SessionAuthentication } from "../middleware/SessionAuthentication.js"
import { PublicScreen } from "./AuthApi.js"

/** What GitHub sends the browser back with: a code and our state, or an error (consent denied). */
export const GitHubCallbackParams = Schema.Struct({
  code: Schema.optional(Schema.String.pipe(Schema.maxLength(200), Schema.Redacted)),
  state: Schema.optional(Schema.String.pipe(Schema.maxLength(200))),
  error: Schema.optional(Schema.String.pipe(Schema.maxLength(200)))
})

/** Where the person was going before signing in; followed only when it is a path of this site. */
export const GitHubStartParams = Schema.Struct({
  next: Schema.optional(Schema.String.pipe(Schema.maxLength(2000)))
})

export const GitHubIdentityView = Schema.Struct({
  githubId: Schema.String,
  name: Schema.String,
  email: Schema.String,
  avatarUrl: Schema.NullOr(Schema.String),
  linkedAt: Schema.Date
})

/**
 * `/auth/github`: sign-in (and sign-up) with GitHub. The start redirects to GitHub with a random
 * state that is also put in a short-lived cookie, so only the browser that started can finish;
 * the callback opens the session (or the two-factor step) and redirects to the dashboard.
 */
export class GitHubAuthApi extends HttpApiGroup.make("githubAuth")
  .add(
    HttpApiEndpoint.get("providers", "/auth/providers")
      .addSuccess(Schema.Struct({ github: Schema.Boolean }))
      .annotate(
        OpenApi.Description,
        "Which sign-in providers this server offers (GitHub: when its OAuth app is configured)."
      )
  )
  .add(
    HttpApiEndpoint.get("start", "/auth/github")
      .setUrlParams(GitHubStartParams)
      .addSuccess(HttpApiSchema.Empty(302))
      .annotate(
        OpenApi.Description,
        "Redirects (302) to GitHub's consent page. `next`, a path of this site, is where the callback sends the person once signed in; anything else is ignored."
      )
  )
  .add(
    HttpApiEndpoint.get("callback", "/auth/github/callback")
      .setUrlParams(GitHubCallbackParams)
      .addSuccess(HttpApiSchema.Empty(303))
      .addError(UnauthorizedJson)
      .addError(ConflictJson)
      .annotate(
        OpenApi.Description,
        "GitHub's redirect back: signs in (or up, or links to the signed-in person) and redirects (303) to the dashboard."
      )
  )
  .addError(OAuthRefusedJson)
  .addError(OAuthNotConfiguredJson)
  .addError(OAuthProviderUnavailableJson)
  .addError(UnavailableJson)
  .middleware(PublicScreen)
  .annotate(OpenApi.Title, "Sign-in with GitHub") {}

/** `/account/github`: the GitHub account linked to the signed-in person. */
export class GitHubAccountApi extends HttpApiGroup.make("githubAccount")
  .add(
    HttpApiEndpoint.get("get", "/account/github").addSuccess(
      Schema.Struct({ linked: Schema.Boolean, identity: Schema.NullOr(GitHubIdentityView) })
    )
  )
  .add(
    HttpApiEndpoint.post("link", "/account/github")
      .addSuccess(Schema.Struct({ url: Schema.String }))
      .addError(OAuthNotConfiguredJson)
      .annotate(OpenApi.Description, "Answers GitHub's consent URL; coming back, the account is linked.")
  )
  .add(
    HttpApiEndpoint.del("unlink", "/account/github")
      .addSuccess(Schema.Struct({ linked: Schema.Literal(false) }))
      .addError(NotFoundJson)
      .addError(StateConflictJson)
  )
  .addError(UnavailableJson)
  .middleware(SessionAuthentication)
  .annotate(OpenApi.Title, "Linked GitHub account") {}
