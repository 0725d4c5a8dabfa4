import { randomBytes, timingSafeEqual } from "node:crypto"
import { HttpApiBuilder, HttpApp, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import {
  AuthenticateSession,
  IdentityRepository,
  LinkGitHub,
  OAuthProvider,
  SignInWithGitHub,
  UnlinkGitHub,
  withRequestOrigin
} from "@poststack/application"
import {
  GITHUB_REFUSALS,
  type GitHubRefusal,
  githubRefusalOf,
  InvalidApiKey,
  OAuthRefused,
  sameSitePath
} from "@poststack/domain"
import { Api, CurrentSession } from "@poststack/contract"
import { Effect, Redacted } from "effect"
import { isLocalPlainHttp, sessionTokenOf, setSessionCookie } from "../middleware/SessionCookie.js"
import { clientContext } from "./AuthLive.js"

/**
 * The browser that started a GitHub sign-in: `<intent>.<state>[.<next>]` (next in base64url), for
 * ten minutes. Keeping `next` in the same HttpOnly cookie as the state binds it to this round trip:
 * the callback URL, which GitHub and its logs see, never carries it.
 */
const STATE_COOKIE = "__Host-poststack_github"
const LOCAL_STATE_COOKIE = "poststack_github"
const STATE_SECONDS = 600

type Intent = "signin" | "link"

const stateCookieName = (request: HttpServerRequest.HttpServerRequest) =>
  isLocalPlainHttp(request) ? LOCAL_STATE_COOKIE : STATE_COOKIE

const setStateCookie = (value: string, maxAgeSeconds: number) =>
  Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) =>
    HttpApp.appendPreResponseHandler((_request, response) =>
      Effect.succeed(
        HttpServerResponse.unsafeSetCookie(response, stateCookieName(request), value, {
          httpOnly: true,
          secure: !isLocalPlainHttp(request),
          sameSite: "lax",
          path: "/",
          maxAge: `${maxAgeSeconds} seconds`
        })
      )
    )
  )

/** A new state bound to this browser by the cookie, and GitHub's consent URL carrying it. */
const begin = (intent: Intent, next?: string) =>
  Effect.gen(function* () {
    const state = randomBytes(24).toString("base64url")
    const url = yield* (yield* OAuthProvider).authorizeUrl(state)
    const path = sameSitePath(next)
    const tail = path === undefined ? "" : `.${Buffer.from(path).toString("base64url")}`
    yield* setStateCookie(`${intent}.${state}${tail}`, STATE_SECONDS)
    return url
  })

/** The cookie's parts; `next` is checked again, as anything read back from a browser is. */
const parseStateCookie = (cookie: string) => {
  const [intent = "", state = "", encoded] = cookie.split(".")
  return {
    intent,
    state,
    next: encoded === undefined ? undefined : sameSitePath(Buffer.from(encoded, "base64url").toString())
  }
}

const sameText = (a: string, b: string) => {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}

const refused = (message: string) => Effect.fail(new OAuthRefused({ message }))

const redirect = (location: string) =>
  HttpServerResponse.empty({
    status: 303,
    headers: { location, "cache-control": "no-store", "referrer-policy": "no-referrer" }
  })

/**
 * A browser that GitHub sent back (it asks for HTML) sees a refusal as a dashboard page with the
 * reason in words, not as JSON; the page is named by a reason key only, so a crafted link cannot
 * put words of its own on it. Programs asking for JSON still get the contract's `{error, code}`.
 */
const refusalPageForBrowsers = <A, E, R>(callback: Effect.Effect<A, E, R>) =>
  Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) => {
    if (!(request.headers.accept ?? "").includes("text/html")) return callback
    const page = (reason: GitHubRefusal) =>
      Effect.succeed(redirect(`/sign-in/github-refused?reason=${reason}`))
    return callback.pipe(
      Effect.catchIf(
        (error): error is E => typeof error === "object" && error !== null && "_tag" in error,
        (error) => {
          const failure = error as { readonly _tag: string; readonly message?: string }
          switch (failure._tag) {
            case "OAuthRefused":
            case "AlreadyExists":
              return page(githubRefusalOf(failure.message ?? ""))
            case "InvalidApiKey":
              return page("sign_in_first")
            case "OAuthProviderUnavailable":
              return page("unavailable")
            case "OAuthNotConfigured":
              return page("not_configured")
            default:
              return Effect.fail(error)
          }
        }
      )
    )
  })

export const GitHubAuthLive = HttpApiBuilder.group(Api, "githubAuth", (handlers) =>
  handlers
    .handle("providers", () => Effect.map(OAuthProvider, (github) => ({ github: github.configured })))
    .handle("start", ({ urlParams }) =>
      Effect.map(begin("signin", urlParams.next), (url) =>
        HttpServerResponse.empty({ status: 302, headers: { location: url, "cache-control": "no-store" } })
      )
    )
    .handle("callback", ({ urlParams }) =>
      Effect.gen(function* () {
        const request = yield* HttpServerRequest.HttpServerRequest
        const cookie = request.cookies[stateCookieName(request)] ?? ""
        yield* setStateCookie("", 0)
        if (urlParams.error === "access_denied") return yield* refused(GITHUB_REFUSALS.declined)
        if (urlParams.error !== undefined) return yield* refused(GITHUB_REFUSALS.github_error)
        const { intent, state, next } = parseStateCookie(cookie)
        if (
          (intent !== "signin" && intent !== "link") ||
          urlParams.state === undefined ||
          !sameText(state, urlParams.state)
        )
          return yield* refused(GITHUB_REFUSALS.state)
        if (urlParams.code === undefined) return yield* refused(GITHUB_REFUSALS.no_code)
        if (intent === "link") {
          const token = sessionTokenOf(request)
          const current =
            token === undefined
              ? yield* Effect.fail(new InvalidApiKey({ message: GITHUB_REFUSALS.sign_in_first }))
              : yield* AuthenticateSession(Redacted.make(token)).pipe(
                  Effect.catchTag("SessionRequired", () =>
                    Effect.fail(new InvalidApiKey({ message: GITHUB_REFUSALS.sign_in_first }))
                  )
                )
          yield* LinkGitHub(current.session, urlParams.code).pipe(withRequestOrigin(yield* clientContext))
          return redirect("/app/account?github=linked")
        }
        const outcome = yield* SignInWithGitHub(urlParams.code, yield* clientContext)
        if (outcome._tag === "TwoFactorRequired")
          // The fragment never reaches a server, so no access log holds the challenge.
          return redirect(
            `/sign-in/two-factor${next === undefined ? "" : `?next=${encodeURIComponent(next)}`}#challenge=${Redacted.value(outcome.challenge)}`
          )
        yield* setSessionCookie(outcome.token)
        return redirect(next ?? "/")
      }).pipe(refusalPageForBrowsers)
    )
)

export const GitHubAccountLive = HttpApiBuilder.group(Api, "githubAccount", (handlers) =>
  handlers
    .handle("get", () =>
      Effect.gen(function* () {
        const { session } = yield* CurrentSession
        const linked = (yield* (yield* IdentityRepository).forUser(session.userId)).find(
          (i) => i.provider === "github"
        )
        return {
          linked: linked !== undefined,
          identity:
            linked === undefined
              ? null
              : {
                  githubId: linked.providerId,
                  name: linked.name,
                  email: linked.email,
                  avatarUrl: linked.avatarUrl,
                  linkedAt: linked.linkedAt
                }
        }
      })
    )
    .handle("link", () => Effect.map(begin("link"), (url) => ({ url })))
    .handle("unlink", () =>
      Effect.flatMap(CurrentSession, ({ session }) => UnlinkGitHub(session)).pipe(
        Effect.as({ linked: false as const })
      )
    )
)
