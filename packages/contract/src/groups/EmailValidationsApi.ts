import { HttpApiEndpoint, HttpApiGroup, OpenApi } from "@effect/platform"
import { EMAIL_VALIDATION_BATCH_LIMIT } from "@poststack/domain"
import { Schema } from "effect"
import { ForbiddenJson } from "../errors.js"
import { FullAccess } from "../middleware/Authentication.js"

const Checks = Schema.Struct({
  syntax: Schema.Boolean,
  mx: Schema.Boolean,
  disposable: Schema.Boolean,
  role: Schema.Boolean,
  free: Schema.Boolean
})

/**
 * The current SDK reads `result`, nested `checks` and `risk`; older SDKs read the flat camelCase
 * flags, and the docs show them in snake_case: all three are sent.
 */
export class EmailValidationView extends Schema.Class<EmailValidationView>("EmailValidation")({
  email: Schema.String,
  result: Schema.Literal("deliverable", "undeliverable", "risky", "unknown"),
  checks: Checks,
  risk: Schema.Literal("low", "medium", "high"),
  syntaxValid: Schema.Boolean,
  mxValid: Schema.Boolean,
  isDisposable: Schema.Boolean,
  isRole: Schema.Boolean,
  isFree: Schema.Boolean,
  syntax_valid: Schema.Boolean,
  mx_valid: Schema.Boolean,
  is_disposable: Schema.Boolean,
  is_role: Schema.Boolean,
  is_free: Schema.Boolean
}) {}

// Any text is checked (a malformed address is an answer, not an error); only its size is bounded.
const Email = Schema.String.pipe(Schema.maxLength(1000))

/** `/email-validations`: checks addresses without sending to them; full-access keys. */
export class EmailValidationsApi extends HttpApiGroup.make("emailValidations")
  .add(
    HttpApiEndpoint.post("validateBatch", "/email-validations/batch")
      .setPayload(
        Schema.Struct({
          emails: Schema.Array(Email).pipe(
            Schema.minItems(1),
            Schema.maxItems(EMAIL_VALIDATION_BATCH_LIMIT, {
              message: () => `emails: at most ${EMAIL_VALIDATION_BATCH_LIMIT} addresses per batch`
            })
          )
        })
      )
      .addSuccess(Schema.Struct({ results: Schema.Array(EmailValidationView) }))
      .annotate(OpenApi.Summary, "Validate up to 100 email addresses")
  )
  .add(
    HttpApiEndpoint.post("validate", "/email-validations")
      .setPayload(Schema.Struct({ email: Email }))
      .addSuccess(EmailValidationView)
      .annotate(OpenApi.Summary, "Validate one email address")
      .annotate(
        OpenApi.Description,
        "Syntax, the domain's mail servers (DNS only: nothing is sent), and the disposable, free-provider and role lists, with a verdict and a risk level. Nothing is stored."
      )
  )
  .addError(ForbiddenJson)
  .middleware(FullAccess)
  .annotate(OpenApi.Title, "Email validations") {}
