import { HttpApp, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import {
  actorOf,
  AuthenticateApiKey,
  AccountTokens,
  CheckRateLimit,
  MembershipRepository,
  SessionStore,
  UserRepository,
  viaApiKey,
  KeyMaterial,
  ApiKeyRepository,
  RateLimiterStore,
  RequestLog
} from "@poststack/application"
import {
  allows,
  type ApiKey,
  apiKeyActor,
  InvalidApiKey,
  PermissionDenied,
  type RateLimitDecision,
  RateLimitExceeded,
  type RateLimitPolicy
} from "@poststack/domain"
import { Context, Effect, Layer, Option, Redacted } from "effect"
import { Authentication, FullAccess } from "@poststack/contract"
import { screenRequest } from "./Contract.js"
import { TrustedProxies } from "./ClientAddress.js"
import { personOf } from "./SessionAuthenticationLive.js"
import { RateLimitSettings } from "./RateLimitSettings.js"
import { recordRequest } from "./RequestRecording.js"
import { provideInPlace } from "./RequestFiber.js"

/**
 * Redis or memory unavailable: we let the request through rather than turn a cache outage into an
 * API outage. Mail keeps flowing; the budget is simply not enforced until the store is back.
 */
const checkOpen = (policy: RateLimitPolicy, subject: string) =>
  CheckRateLimit(policy, subject).pipe(
    Effect.catchTag("StoreUnavailable", () =>
      Effect.logWarning("rate limiter store unavailable: request allowed").pipe(
        Effect.as<RateLimitDecision>({
          allowed: true,
          limit: policy.limit,
          remaining: policy.limit,
          resetSeconds: 1
        })
      )
    )
  )

const rateLimitHeaders = (decision: RateLimitDecision): Record<string, string> => ({
  "x-ratelimit-limit": String(decision.limit),
  "x-ratelimit-remaining": String(decision.remaining),
  "x-ratelimit-reset": String(decision.resetSeconds),
  ...(decision.allowed ? {} : { "retry-after": String(decision.resetSeconds) })
})

/**
 * What is wrong with the header itself, when no key was presented at all: said plainly, since it
 * reveals nothing about keys. A presented key that is unknown, revoked or expired gets the one
 * answer every wrong key gets ("Invalid API key").
 */
const headerProblem = (header: string | undefined, bearer: boolean, token: string): string | null =>
  header === undefined || header.trim() === ""
    ? "Missing API key: send it in the header Authorization: Bearer <API key>"
    : !bearer && !/^bearer$/i.test(header.trim())
      ? "The Authorization header must use the Bearer scheme: Authorization: Bearer <API key>"
      : token.trim() === "" || !bearer
        ? "Missing API key after Bearer: send Authorization: Bearer <API key>"
        : null

// Untraced: it runs on every request, and the use cases it calls carry their own spans.
const authenticate = (requireFullAccess: boolean) =>
  Effect.fnUntraced(function* (token: Redacted.Redacted<string>) {
    const request = yield* HttpServerRequest.HttpServerRequest
    const settings = yield* RateLimitSettings
    const header = request.headers.authorization
    // A session cookie counts only without an Authorization header: a key always wins.
    if (header === undefined) {
      const person = yield* personOf(request)
      if (person !== undefined) {
        yield* recordRequest(request, person.teamId, actorOf(person))
        return person
      }
    }
    const bearer = (header ?? "").slice(0, 7).toLowerCase() === "bearer "
    const missing = headerProblem(header, bearer, Redacted.value(token))
    const key: ApiKey = yield* (
      missing === null ? AuthenticateApiKey(token) : Effect.fail(new InvalidApiKey({ message: missing }))
    ).pipe(
      Effect.catchTag("InvalidApiKey", (invalid) =>
        Effect.gen(function* () {
          const address = Option.getOrElse(request.remoteAddress, () => "unknown")
          const failures = yield* checkOpen(settings.authFailuresPerAddress, `authfail:${address}`)
          if (failures.allowed) return yield* invalid
          yield* setHeaders(rateLimitHeaders(failures))
          return yield* new RateLimitExceeded({
            message: "Too many requests",
            retryAfterSeconds: failures.resetSeconds
          })
        })
      )
    )
    // From here the request is the key's team's: logged whatever it is answered (429 and 403 too).
    yield* recordRequest(request, key.teamId, apiKeyActor(key.id))
    const decision = yield* checkOpen(settings.perKey, `key:${key.id}`)
    yield* setHeaders(rateLimitHeaders(decision))
    if (!decision.allowed) {
      return yield* new RateLimitExceeded({
        message: "Too many requests",
        retryAfterSeconds: decision.resetSeconds
      })
    }
    if (requireFullAccess && !allows(key.permission, "manage_team")) {
      return yield* new PermissionDenied({ message: "API key does not have permission" })
    }
    yield* screenRequest
    return viaApiKey(key)
  })

const setHeaders = (headers: Record<string, string>) =>
  HttpApp.appendPreResponseHandler((_request, response) =>
    Effect.succeed(HttpServerResponse.setHeaders(response, headers))
  )

/**
 * Only the services authentication itself uses are added to each request's fiber: the layer's
 * whole context (every service of the server) would be copied into every request otherwise.
 */
const needs = Effect.map(
  Effect.context<
    | ApiKeyRepository
    | KeyMaterial
    | RateLimiterStore
    | RateLimitSettings
    | RequestLog
    | TrustedProxies
    | AccountTokens
    | SessionStore
    | UserRepository
    | MembershipRepository
  >(),
  Context.pick(
    ApiKeyRepository,
    KeyMaterial,
    RateLimiterStore,
    RateLimitSettings,
    RequestLog,
    TrustedProxies,
    AccountTokens,
    SessionStore,
    UserRepository,
    MembershipRepository
  )
)

export const AuthenticationLive = Layer.effect(
  Authentication,
  Effect.map(needs, (context) =>
    Authentication.of({
      bearer: (token) => provideInPlace(context, authenticate(false)(token))
    })
  )
)

export const FullAccessLive = Layer.effect(
  FullAccess,
  Effect.map(needs, (context) =>
    FullAccess.of({
      bearer: (token) => provideInPlace(context, authenticate(true)(token))
    })
  )
)
