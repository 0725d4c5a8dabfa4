import { HttpApiBuilder } from "@effect/platform"
import { ValidateEmails } from "@poststack/application"
import type { EmailValidation } from "@poststack/domain"
import { Effect } from "effect"
import { Api, CurrentPrincipal, EmailValidationView } from "@poststack/contract"

const toView = (v: EmailValidation): EmailValidationView =>
  EmailValidationView.make(
    {
      email: v.email,
      result: v.result,
      checks: { ...v.checks },
      risk: v.risk,
      syntaxValid: v.checks.syntax,
      mxValid: v.checks.mx,
      isDisposable: v.checks.disposable,
      isRole: v.checks.role,
      isFree: v.checks.free,
      syntax_valid: v.checks.syntax,
      mx_valid: v.checks.mx,
      is_disposable: v.checks.disposable,
      is_role: v.checks.role,
      is_free: v.checks.free
    },
    { disableValidation: true }
  )

export const EmailValidationsLive = HttpApiBuilder.group(Api, "emailValidations", (handlers) =>
  handlers
    .handle("validate", ({ payload }) =>
      Effect.map(
        Effect.flatMap(CurrentPrincipal, (key) => ValidateEmails(key, [payload.email])),
        (results) => toView(results[0] as EmailValidation)
      )
    )
    .handle("validateBatch", ({ payload }) =>
      Effect.map(
        Effect.flatMap(CurrentPrincipal, (key) => ValidateEmails(key, payload.emails)),
        (results) => ({ results: results.map(toView) })
      )
    )
)
