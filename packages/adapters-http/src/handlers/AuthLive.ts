import { HttpApiBuilder, HttpApp, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import {
  AuthenticateSession,
  type ClientContext,
  CompleteSignIn,
  ConfirmEmailChange,
  RequestPasswordReset,
  ResendVerification,
  ResetPassword,
  SignIn,
  SignUp,
  SystemMailReady,
  VerifyEmail,
  withRequestOrigin
} from "@poststack/application"
import { InvalidApiKey, LinkInvalid, RateLimitExceeded, ValidationFailed } from "@poststack/domain"
import { Effect, Layer, Option, Redacted } from "effect"
import { Api } from "@poststack/contract"
import { PublicScreen } from "@poststack/contract"
import { clientAddress } from "../middleware/ClientAddress.js"
import { screenRequest } from "../middleware/Contract.js"
import { sessionTokenOf, setSessionCookie } from "../middleware/SessionCookie.js"
import { toSessionView, toTeamView, toUserView } from "./accountViews.js"

export const clientContext = Effect.gen(function* () {
  const request = yield* HttpServerRequest.HttpServerRequest
  return {
    address: (yield* clientAddress) ?? null,
    userAgent: request.headers["user-agent"] ?? null
  } satisfies ClientContext
})

const ACCEPTED = { message: "If the address can receive it, a mail is on its way: check the inbox." }
const NO_SENDER = "No mail was sent: this server has no sender for its own mail yet (POSTSTACK_SYSTEM_FROM)."

/**
 * What a page that sends a link may say: the mail is on its way, or (on a server without system
 * mail, whatever the address) that none was sent and who can help.
 */
const answered =
  (byHand: string) =>
  <A, E, R>(self: Effect.Effect<A, E, R>) =>
    Effect.zipRight(
      self,
      Effect.map(SystemMailReady, (ready) => (ready ? ACCEPTED : { message: `${NO_SENDER} ${byHand}` }))
    )
const VERIFY_BY_HAND = "Ask its operator to confirm the address with `poststack users verify <address>`."
const RESET_BY_HAND = "Ask its operator for help."

/** A used, expired or unknown link, on the wire as the contract's 422. */
const linkFailure = <A, E, R>(
  self: Effect.Effect<A, E | LinkInvalid, R>
): Effect.Effect<A, E | ValidationFailed, R> =>
  Effect.catchIf(
    self,
    (e): e is LinkInvalid => e instanceof LinkInvalid,
    (e) => Effect.fail(new ValidationFailed({ message: e.message }))
  ) as Effect.Effect<A, E | ValidationFailed, R>

/** A refused attempt says when to try again, in `Retry-After`, as every 429 of the API does. */
export const retryAfter = <A, E, R>(self: Effect.Effect<A, E, R>) =>
  Effect.tapError(self, (e) =>
    e instanceof RateLimitExceeded
      ? HttpApp.appendPreResponseHandler((_request, response) =>
          Effect.succeed(HttpServerResponse.setHeader(response, "retry-after", String(e.retryAfterSeconds)))
        )
      : Effect.void
  )

/**
 * A new session: its cookie set, and the person, their teams (as the sign-in read them to select
 * one) and the CSRF token answered.
 */
const signedInView = (signedIn: {
  readonly user: Parameters<typeof toUserView>[0]
  readonly session: Parameters<typeof toSessionView>[0]
  readonly token: Redacted.Redacted<string>
  readonly csrfToken: string
  readonly teams: ReadonlyArray<Parameters<typeof toTeamView>[0]>
}) =>
  Effect.gen(function* () {
    yield* setSessionCookie(signedIn.token)
    return {
      user: toUserView(signedIn.user),
      session: toSessionView(signedIn.session, signedIn.session.id),
      teams: signedIn.teams.map(toTeamView),
      csrfToken: signedIn.csrfToken,
      systemMail: yield* SystemMailReady
    }
  })

export const PublicScreenLive = Layer.succeed(PublicScreen, screenRequest)

export const AuthLive = HttpApiBuilder.group(Api, "auth", (handlers) =>
  handlers
    .handle("signUp", ({ payload }) =>
      Effect.flatMap(clientContext, (client) => SignUp(payload, client)).pipe(
        retryAfter,
        answered(VERIFY_BY_HAND)
      )
    )
    .handle("resendVerification", ({ payload }) =>
      Effect.flatMap(clientContext, (client) => ResendVerification(payload.email, client)).pipe(
        retryAfter,
        answered(VERIFY_BY_HAND)
      )
    )
    .handle("verifyEmail", ({ payload }) =>
      linkFailure(VerifyEmail(payload.token)).pipe(Effect.as({ verified: true as const }))
    )
    .handle("signIn", ({ payload }) =>
      Effect.gen(function* () {
        const client = yield* clientContext
        const outcome = yield* SignIn(payload, client).pipe(
          retryAfter,
          Effect.catchTag("CredentialsRejected", (e) =>
            Effect.fail(new InvalidApiKey({ message: e.message }))
          )
        )
        if (outcome._tag === "TwoFactorRequired")
          return {
            twoFactorRequired: true as const,
            challenge: Redacted.value(outcome.challenge),
            expiresAt: outcome.expiresAt
          }
        return yield* signedInView(outcome)
      })
    )
    .handle("signInTwoFactor", ({ payload }) =>
      Effect.gen(function* () {
        const client = yield* clientContext
        const signedIn = yield* CompleteSignIn(payload.challenge, payload.code, client).pipe(
          retryAfter,
          Effect.catchTags({
            CredentialsRejected: (e) => Effect.fail(new InvalidApiKey({ message: e.message })),
            SessionRequired: (e) => Effect.fail(new InvalidApiKey({ message: e.message }))
          })
        )
        return yield* signedInView(signedIn)
      })
    )
    .handle("requestPasswordReset", ({ payload }) =>
      Effect.flatMap(clientContext, (client) => RequestPasswordReset(payload.email, client)).pipe(
        retryAfter,
        answered(RESET_BY_HAND)
      )
    )
    .handle("resetPassword", ({ payload }) =>
      Effect.flatMap(clientContext, (client) =>
        linkFailure(ResetPassword(payload.token, payload.password)).pipe(withRequestOrigin(client))
      ).pipe(retryAfter, Effect.as({ success: true as const }))
    )
    .handle("confirmEmailChange", ({ payload }) =>
      Effect.gen(function* () {
        const request = yield* HttpServerRequest.HttpServerRequest
        // Following the link from a signed-in browser keeps that session signed in.
        const token = sessionTokenOf(request)
        const current =
          token === undefined
            ? Option.none()
            : yield* AuthenticateSession(Redacted.make(token)).pipe(Effect.option)
        const keep = Option.isSome(current)
          ? { userId: current.value.session.userId, sessionId: current.value.session.id }
          : null
        yield* linkFailure(ConfirmEmailChange(payload.token, keep)).pipe(
          withRequestOrigin(yield* clientContext)
        )
        return { success: true as const }
      })
    )
)
