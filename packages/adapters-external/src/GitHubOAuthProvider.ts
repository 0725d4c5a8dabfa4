import { OAuthProvider } from "@poststack/application"
import {
  GITHUB_REFUSALS,
  OAuthNotConfigured,
  OAuthProviderUnavailable,
  OAuthRefused
} from "@poststack/domain"
import { Config, Effect, Layer, Option, Redacted, Schema } from "effect"

export interface GitHubOptions {
  readonly clientId: string
  readonly clientSecret: Redacted.Redacted<string>
  /** Where GitHub sends the browser back: `<public URL>/auth/github/callback`. */
  readonly redirectUri: string
  /** `https://github.com` (tests: a local fake). */
  readonly webUrl: string
  /** `https://api.github.com` (tests: a local fake). */
  readonly apiUrl: string
  readonly timeoutMs: number
}

const TokenAnswer = Schema.Union(
  Schema.Struct({ access_token: Schema.String }),
  Schema.Struct({ error: Schema.String, error_description: Schema.optional(Schema.String) })
)
const GitHubUser = Schema.Struct({
  id: Schema.Number,
  login: Schema.String,
  name: Schema.NullOr(Schema.String),
  avatar_url: Schema.NullOr(Schema.String)
})
const GitHubEmails = Schema.Array(
  Schema.Struct({ email: Schema.String, primary: Schema.Boolean, verified: Schema.Boolean })
)

const notConfigured = new OAuthNotConfigured({
  message:
    "Sign-in with GitHub is not configured on this server (POSTSTACK_GITHUB_CLIENT_ID and POSTSTACK_GITHUB_CLIENT_SECRET)"
})
const unreachable = new OAuthProviderUnavailable({ message: "GitHub could not be reached: try again later" })

/**
 * GitHub's OAuth web flow over `fetch`: the authorize URL (scopes `read:user user:email`), the
 * code traded for a token (JSON asked for), then `/user` and `/user/emails` with the token as a
 * Bearer. Only the account id, name (or login), the verified primary address and the avatar URL
 * come out; the token is dropped at the end of the call.
 */
export const make = (options: GitHubOptions) => {
  const request = <A, I>(
    schema: Schema.Schema<A, I>,
    url: string,
    init: RequestInit
  ): Effect.Effect<A, OAuthRefused | OAuthProviderUnavailable> =>
    Effect.tryPromise({
      try: async (signal) => {
        const res = await fetch(url, {
          ...init,
          signal: AbortSignal.any([signal, AbortSignal.timeout(options.timeoutMs)])
        })
        return { status: res.status, body: (await res.json()) as unknown }
      },
      catch: () => unreachable
    }).pipe(
      Effect.flatMap(({ status, body }): Effect.Effect<A, OAuthRefused | OAuthProviderUnavailable> => {
        if (status === 401 || status === 403)
          return Effect.fail(new OAuthRefused({ message: GITHUB_REFUSALS.github_error }))
        if (status >= 300) return Effect.fail(unreachable)
        return Effect.mapError(Schema.decodeUnknown(schema)(body), () => unreachable)
      })
    )
  const api = (token: string) => ({
    headers: {
      accept: "application/vnd.github+json",
      authorization: `Bearer ${token}`,
      "user-agent": "PostStack",
      "x-github-api-version": "2022-11-28"
    }
  })
  return OAuthProvider.of({
    configured: true,
    authorizeUrl: (state) =>
      Effect.succeed(
        `${options.webUrl}/login/oauth/authorize?${new URLSearchParams({
          client_id: options.clientId,
          redirect_uri: options.redirectUri,
          scope: "read:user user:email",
          state,
          allow_signup: "true"
        })}`
      ),
    profile: (code) =>
      Effect.gen(function* () {
        const answer = yield* request(TokenAnswer, `${options.webUrl}/login/oauth/access_token`, {
          method: "POST",
          headers: {
            accept: "application/json",
            "content-type": "application/x-www-form-urlencoded",
            "user-agent": "PostStack"
          },
          body: new URLSearchParams({
            client_id: options.clientId,
            client_secret: Redacted.value(options.clientSecret),
            code: Redacted.value(code),
            redirect_uri: options.redirectUri
          }).toString()
        })
        if (!("access_token" in answer))
          return yield* new OAuthRefused({
            message:
              answer.error === "bad_verification_code"
                ? GITHUB_REFUSALS.bad_code
                : GITHUB_REFUSALS.github_error
          })
        const token = answer.access_token
        const user = yield* request(GitHubUser, `${options.apiUrl}/user`, api(token))
        const emails = yield* request(GitHubEmails, `${options.apiUrl}/user/emails`, api(token))
        const primary = emails.find((e) => e.primary && e.verified)
        if (primary === undefined)
          return yield* new OAuthRefused({
            message: GITHUB_REFUSALS.no_verified_email
          })
        return {
          providerId: String(user.id),
          name: (user.name ?? user.login).slice(0, 200),
          email: primary.email.toLowerCase(),
          avatarUrl: user.avatar_url
        }
      })
  })
}

/** GitHub sign-in turned off: every route says so. */
export const notConfiguredProvider = OAuthProvider.of({
  configured: false,
  authorizeUrl: () => Effect.fail(notConfigured),
  profile: () => Effect.fail(notConfigured)
})

export const layer = (options: GitHubOptions) => Layer.succeed(OAuthProvider, make(options))
export const layerNotConfigured = Layer.succeed(OAuthProvider, notConfiguredProvider)

/**
 * `POSTSTACK_GITHUB_CLIENT_ID` and `POSTSTACK_GITHUB_CLIENT_SECRET` (an OAuth app whose callback
 * is `<POSTSTACK_PUBLIC_URL>/auth/github/callback`); without both, GitHub sign-in is off.
 */
export const layerConfig = Layer.unwrapEffect(
  Config.all({
    clientId: Config.option(Config.string("POSTSTACK_GITHUB_CLIENT_ID")),
    clientSecret: Config.option(Config.redacted("POSTSTACK_GITHUB_CLIENT_SECRET")),
    publicUrl: Config.option(Config.string("POSTSTACK_PUBLIC_URL")),
    port: Config.port("PORT").pipe(Config.withDefault(3000))
  }).pipe(
    Config.map(({ clientId, clientSecret, publicUrl, port }) =>
      Option.isSome(clientId) && Option.isSome(clientSecret)
        ? layer({
            clientId: clientId.value,
            clientSecret: clientSecret.value,
            redirectUri: `${Option.getOrElse(publicUrl, () => `http://localhost:${port}`).replace(/\/$/, "")}/auth/github/callback`,
            webUrl: "https://github.com",
            apiUrl: "https://api.github.com",
            timeoutMs: 10_000
          })
        : layerNotConfigured
    )
  )
)
