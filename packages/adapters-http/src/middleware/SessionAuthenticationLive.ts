import { HttpApp, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import {
  AccountTokens,
  AuthenticateSession,
  CheckRateLimit,
  MembershipRepository,
  type Principal,
  RateLimiterStore,
  SessionStore,
  RequestLog,
  RequestOrigin,
  UserRepository
} from "@poststack/application"
import {
  clipUserAgent,
  InvalidApiKey,
  PermissionDenied,
  type RateLimitDecision,
  RateLimitExceeded,
  userActor
} from "@poststack/domain"
import { MembershipRepository as Memberships } from "@poststack/application"
import { Context, Effect, FiberRef, Layer, Option, Redacted } from "effect"
import { clientAddress, TrustedProxies } from "./ClientAddress.js"
import { screenRequest } from "./Contract.js"
import { RateLimitSettings } from "./RateLimitSettings.js"
import { provideInPlace } from "./RequestFiber.js"
import { SessionAuthentication } from "@poststack/contract"
import { recordRequest } from "./RequestRecording.js"
import { CSRF_REFUSAL, csrfPasses, sessionTokenOf } from "./SessionCookie.js"

/** The `accounts` row of the scope table (`SCOPE_TABLE`): denied to every kind of key. */
const KEYS_REFUSED =
  "API keys cannot manage accounts or teams: sign in to the dashboard (POST /auth/sign-in) and use its session"

/** A person's requests share one budget per person, as a key's do per key. */
const budget = (userId: string) =>
  Effect.gen(function* () {
    const settings = yield* RateLimitSettings
    const decision: RateLimitDecision | null = yield* CheckRateLimit(settings.perKey, `user:${userId}`).pipe(
      Effect.catchTag("StoreUnavailable", () =>
        Effect.logWarning("rate limiter store unavailable: request allowed").pipe(Effect.as(null))
      )
    )
    if (decision === null) return
    yield* HttpApp.appendPreResponseHandler((_request, response) =>
      Effect.succeed(
        HttpServerResponse.setHeaders(response, {
          "x-ratelimit-limit": String(decision.limit),
          "x-ratelimit-remaining": String(decision.remaining),
          "x-ratelimit-reset": String(decision.resetSeconds),
          ...(decision.allowed ? {} : { "retry-after": String(decision.resetSeconds) })
        })
      )
    )
    if (!decision.allowed)
      return yield* new RateLimitExceeded({
        message: "Too many requests",
        retryAfterSeconds: decision.resetSeconds
      })
  })

/** The live session a request's cookie opens, with the CSRF check done; 401 or 403 otherwise. */
const signedIn = (request: HttpServerRequest.HttpServerRequest, token: string) =>
  Effect.gen(function* () {
    const secret = Redacted.make(token)
    const found = yield* AuthenticateSession(secret).pipe(
      Effect.catchTag("SessionRequired", (e) => Effect.fail(new InvalidApiKey({ message: e.message })))
    )
    if (!csrfPasses(request, found.csrfToken)) return yield* new PermissionDenied({ message: CSRF_REFUSAL })
    yield* budget(found.user.id)
    yield* screenRequest
    return { ...found, token: secret }
  })

/**
 * The person behind a session cookie, as a principal of the team their session selected (for the
 * product routes); `undefined` when the request carries no cookie, so the key path answers.
 */
export const personOf = (request: HttpServerRequest.HttpServerRequest) =>
  Effect.gen(function* () {
    const token = sessionTokenOf(request)
    if (token === undefined) return undefined
    const { session } = yield* signedIn(request, token)
    const membership =
      session.teamId === null
        ? Option.none()
        : yield* (yield* Memberships).find(session.teamId, session.userId)
    if (Option.isNone(membership))
      return yield* new PermissionDenied({
        message: "Select one of your teams first: PUT /auth/session/team"
      })
    return {
      _tag: "Person",
      teamId: membership.value.teamId,
      userId: session.userId,
      role: membership.value.role,
      sessionId: session.id
    } satisfies Principal as Principal
  })

type Needs =
  | AccountTokens
  | SessionStore
  | UserRepository
  | MembershipRepository
  | RateLimiterStore
  | RateLimitSettings
  | RequestLog
  | TrustedProxies

export const SessionAuthenticationLive = Layer.effect(
  SessionAuthentication,
  // Only what the session check uses: each request's fiber gets these added, not the server's whole context.
  Effect.map(
    Effect.map(
      Effect.context<Needs>(),
      Context.pick(
        AccountTokens,
        SessionStore,
        UserRepository,
        MembershipRepository,
        RateLimiterStore,
        RateLimitSettings,
        RequestLog,
        TrustedProxies
      )
    ),
    (context) =>
      SessionAuthentication.of({
        session: () =>
          provideInPlace(
            context,
            Effect.gen(function* () {
              const request = yield* HttpServerRequest.HttpServerRequest
              if (request.headers.authorization !== undefined)
                return yield* new PermissionDenied({ message: KEYS_REFUSED })
              const token = sessionTokenOf(request)
              if (token === undefined)
                return yield* new InvalidApiKey({
                  message: "Sign in first: this route needs the dashboard's session"
                })
              const found = yield* signedIn(request, token)
              // The audit entries the account use cases record carry the request's address and agent.
              yield* FiberRef.set(RequestOrigin, {
                address: (yield* clientAddress) ?? null,
                userAgent: clipUserAgent(request.headers["user-agent"])
              })
              // The request log of the team the session acts on shows the person's account routes
              // too (route template, method, status, address, agent: never a body or a token), as
              // long as they are still its member.
              const teamId = found.session.teamId
              if (teamId !== null && Option.isSome(yield* (yield* Memberships).find(teamId, found.user.id)))
                yield* recordRequest(request, teamId, userActor(found.user.id))
              return found
            })
          )
      })
  )
)
