import { HttpApiEndpoint, HttpApiGroup, OpenApi } from "@effect/platform"
import { Schema } from "effect"
import { RateLimitedJson, StateConflictJson, UnauthorizedJson, UnavailableJson } from "../errors.js"
import { SessionAuthentication } from "../middleware/SessionAuthentication.js"

/** A code as typed: a six-digit TOTP code or a backup code (`abcde-fghij`), spaces allowed. */
export const SecondFactorCode = Schema.String.pipe(Schema.minLength(1), Schema.maxLength(32), Schema.Redacted)

/**
 * The proof a change that cannot be undone asks for (closing a team, deleting an account): the
 * password, and a code as well when the person has two-factor on.
 */
export const IrreversibleChangeBody = Schema.Struct({
  password: Schema.String.pipe(Schema.maxLength(256), Schema.Redacted),
  code: Schema.optional(SecondFactorCode).annotations({
    description: "A current TOTP code or a backup code: required when two-factor authentication is on"
  })
})

export const TwoFactorStatusView = Schema.Struct({ enabled: Schema.Boolean, backupCodesLeft: Schema.Int })

export const TwoFactorEnrolmentView = Schema.Struct({
  secret: Schema.String.annotations({ description: "Base32, for apps that cannot scan" }),
  otpauthUri: Schema.String,
  qrCodeSvg: Schema.String.annotations({ description: "The otpauth URI as a QR code, an SVG document" })
})

export const ConfirmTwoFactorBody = Schema.Struct({ code: SecondFactorCode })

export const DisableTwoFactorBody = Schema.Struct({
  password: Schema.optional(Schema.String.pipe(Schema.maxLength(256), Schema.Redacted)),
  code: Schema.optional(SecondFactorCode)
})

/**
 * `/account/two-factor`: TOTP enrolment (a secret and QR code, then a code from the app to turn
 * it on, answered with ten backup codes shown once) and turning it off again with the password or
 * a code.
 */
export class TwoFactorApi extends HttpApiGroup.make("twoFactor")
  .add(HttpApiEndpoint.get("status", "/account/two-factor").addSuccess(TwoFactorStatusView))
  .add(
    HttpApiEndpoint.post("enrol", "/account/two-factor")
      .addSuccess(TwoFactorEnrolmentView, { status: 201 })
      .addError(StateConflictJson)
  )
  .add(
    HttpApiEndpoint.post("confirm", "/account/two-factor/confirm")
      .setPayload(ConfirmTwoFactorBody)
      .addSuccess(Schema.Struct({ enabled: Schema.Literal(true), backupCodes: Schema.Array(Schema.String) }))
      .addError(UnauthorizedJson)
      .addError(StateConflictJson)
  )
  .add(
    HttpApiEndpoint.post("disable", "/account/two-factor/disable")
      .setPayload(DisableTwoFactorBody)
      .addSuccess(Schema.Struct({ enabled: Schema.Literal(false) }))
      .addError(UnauthorizedJson)
      .addError(StateConflictJson)
  )
  .addError(RateLimitedJson)
  .addError(UnavailableJson)
  .middleware(SessionAuthentication)
  .annotate(OpenApi.Title, "Two-factor authentication") {}
