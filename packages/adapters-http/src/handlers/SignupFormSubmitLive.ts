import { HttpApiBuilder, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { CheckSignupLink, ConfirmSignup, SubmitSignupForm } from "@poststack/application"
import { Api, answerFor } from "@poststack/contract"
import { RateLimitExceeded } from "@poststack/domain"
import { Effect } from "effect"
import { clientAddress } from "../middleware/ClientAddress.js"
import { retryAfter } from "./AuthLive.js"
import { confirmPage, submittedPage } from "./SignupFormPages.js"

/** Static text: no scripts, no outside resources, the button posts back only to us. */
const PAGE_HEADERS = {
  "cache-control": "no-store",
  "content-security-policy":
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
  "referrer-policy": "no-referrer",
  "x-robots-tag": "noindex",
  // For browsers that know neither `frame-ancestors` nor the type's rules.
  "x-frame-options": "DENY",
  "x-content-type-options": "nosniff"
}

const html = (body: string, status = 200, headers: Record<string, string> = {}) =>
  HttpServerResponse.text(body, {
    status,
    contentType: "text/html; charset=utf-8",
    headers: { ...PAGE_HEADERS, ...headers }
  })

/** A plain HTML `<form>` posted without JavaScript: its visitor reads a page, not JSON. */
const isFormPost = (request: HttpServerRequest.HttpServerRequest) =>
  (request.headers["content-type"] ?? "").toLowerCase().includes("application/x-www-form-urlencoded")

/**
 * The answers a form post gets: a 303 to the form's redirect URL when the team set one (the
 * browser lands on the team's own thank-you page), else a small page with the form's message; a
 * refusal is a page with the same status and words as the JSON answer (and `Retry-After`).
 */
const answerFormPost = <E extends { readonly _tag: string; readonly message: string }, R>(
  submitted: Effect.Effect<{ readonly message: string; readonly redirectUrl: string | null }, E, R>
) =>
  submitted.pipe(
    Effect.map((answer) =>
      answer.redirectUrl === null
        ? html(submittedPage.done(answer.message))
        : HttpServerResponse.empty({
            status: 303,
            headers: {
              location: answer.redirectUrl,
              "cache-control": "no-store",
              "referrer-policy": "no-referrer"
            }
          })
    ),
    Effect.catchIf(
      (error) => answerFor(error).status < 500,
      (error) =>
        Effect.succeed(
          html(
            submittedPage.refused(error.message),
            answerFor(error).status,
            error instanceof RateLimitExceeded ? { "retry-after": String(error.retryAfterSeconds) } : {}
          )
        )
    )
  )

export const SignupFormSubmitLive = HttpApiBuilder.group(Api, "signupFormSubmit", (handlers) =>
  handlers
    .handle("submit", ({ path, payload }) =>
      Effect.gen(function* () {
        const submitted = SubmitSignupForm(path.id, payload, (yield* clientAddress) ?? null)
        if (isFormPost(yield* HttpServerRequest.HttpServerRequest)) return yield* answerFormPost(submitted)
        const answer = yield* submitted
        return {
          success: true as const,
          message: answer.message,
          ...(answer.redirectUrl === null ? {} : { redirect_url: answer.redirectUrl })
        }
      }).pipe(retryAfter)
    )
    .handle("confirmPage", ({ path }) =>
      CheckSignupLink(path.submissionId, path.signature).pipe(
        Effect.map(({ form }) => html(confirmPage.ask(form.name)))
      )
    )
    .handle("confirm", ({ path }) =>
      ConfirmSignup(path.submissionId, path.signature).pipe(
        Effect.map((form) => html(confirmPage.done(form.redirectUrl)))
      )
    )
)
