import { HttpApiEndpoint, HttpApiGroup, HttpApiMiddleware, OpenApi } from "@effect/platform"
import { AccountEmail, DisplayName, Password, TimeZone } from "@poststack/domain"
import { Schema } from "effect"
import {
  RateLimitedJson,
  UnauthorizedJson,
  UnavailableJson,
  UnprocessableJson,
  ForbiddenJson
} from "../errors.js"
import { Accepted, SessionInfo } from "./AccountViews.js"

/** The public account routes' request screen (NUL bytes, multipart), as authenticated routes get it. */
export class PublicScreen extends HttpApiMiddleware.Tag<PublicScreen>()("PublicScreen") {}

const Token = Schema.String.pipe(Schema.minLength(1), Schema.maxLength(200), Schema.Redacted)

export const SignUpBody = Schema.Struct({
  email: AccountEmail,
  password: Password,
  name: Schema.optionalWith(DisplayName, { default: () => "" }),
  timeZone: Schema.optionalWith(TimeZone, { default: () => "UTC" }).pipe(Schema.fromKey("time_zone"))
})

export const SignInBody = Schema.Struct({
  email: Schema.String.pipe(Schema.maxLength(320)),
  password: Schema.String.pipe(Schema.maxLength(256), Schema.Redacted)
})

export const TwoFactorSignInBody = Schema.Struct({
  challenge: Token,
  code: Schema.String.pipe(Schema.minLength(1), Schema.maxLength(32), Schema.Redacted)
})

/** The password was right and two-factor authentication is on: no session until a code is given. */
export const TwoFactorChallengeView = Schema.Struct({
  twoFactorRequired: Schema.Literal(true),
  challenge: Schema.String.annotations({
    description: "Send it with the code to POST /auth/sign-in/two-factor"
  }),
  expiresAt: Schema.Date
})

export const EmailBody = Schema.Struct({ email: Schema.String.pipe(Schema.maxLength(320)) })
export const TokenBody = Schema.Struct({ token: Token })
export const ResetBody = Schema.Struct({ token: Token, password: Password })

/**
 * `/auth/*` before signing in. Sign-up, the verification resend and the reset request answer
 * `202` with one message whatever the address, so none of them tells whether it has an account.
 */
export class AuthApi extends HttpApiGroup.make("auth")
  .add(
    HttpApiEndpoint.post("signUp", "/auth/sign-up")
      .setPayload(SignUpBody)
      .addSuccess(Accepted, { status: 202 })
  )
  .add(
    HttpApiEndpoint.post("resendVerification", "/auth/verify-email/resend")
      .setPayload(EmailBody)
      .addSuccess(Accepted, { status: 202 })
  )
  .add(
    HttpApiEndpoint.post("verifyEmail", "/auth/verify-email")
      .setPayload(TokenBody)
      .addSuccess(Schema.Struct({ verified: Schema.Literal(true) }))
      .addError(UnprocessableJson)
  )
  .add(
    HttpApiEndpoint.post("signIn", "/auth/sign-in")
      .setPayload(SignInBody)
      .addSuccess(Schema.Union(SessionInfo, TwoFactorChallengeView))
      .addError(UnauthorizedJson)
      .addError(ForbiddenJson)
  )
  .add(
    HttpApiEndpoint.post("signInTwoFactor", "/auth/sign-in/two-factor")
      .setPayload(TwoFactorSignInBody)
      .addSuccess(SessionInfo)
      .addError(UnauthorizedJson)
  )
  .add(
    HttpApiEndpoint.post("requestPasswordReset", "/auth/password-reset")
      .setPayload(EmailBody)
      .addSuccess(Accepted, { status: 202 })
  )
  .add(
    HttpApiEndpoint.post("resetPassword", "/auth/password-reset/confirm")
      .setPayload(ResetBody)
      .addSuccess(Schema.Struct({ success: Schema.Literal(true) }))
      .addError(UnprocessableJson)
  )
  .add(
    HttpApiEndpoint.post("confirmEmailChange", "/auth/email-change/confirm")
      .setPayload(TokenBody)
      .addSuccess(Schema.Struct({ success: Schema.Literal(true) }))
      .addError(UnprocessableJson)
  )
  .addError(RateLimitedJson)
  .addError(UnavailableJson)
  .middleware(PublicScreen)
  .annotate(OpenApi.Title, "Sign-up and sign-in") {}
