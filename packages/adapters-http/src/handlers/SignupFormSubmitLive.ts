import { HttpApiBuilder, HttpServerResponse } from "@effect/platform"
import { CheckSignupLink, ConfirmSignup, SubmitSignupForm } from "@poststack/application"
import { Api } from "@poststack/contract"
import { Effect } from "effect"
import { clientAddress } from "../middleware/ClientAddress.js"
import { retryAfter } from "./AuthLive.js"
import { confirmPage } from "./SignupFormPages.js"

/** Static text: no scripts, no outside resources, the button posts back only to us. */
const PAGE_HEADERS = {
  "cache-control": "no-store",
  "content-security-policy":
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
  "referrer-policy": "no-referrer",
  "x-robots-tag": "noindex"
}

const html = (body: string) =>
  HttpServerResponse.text(body, { contentType: "text/html; charset=utf-8", headers: PAGE_HEADERS })

export const SignupFormSubmitLive = HttpApiBuilder.group(Api, "signupFormSubmit", (handlers) =>
  handlers
    .handle("submit", ({ path, payload }) =>
      Effect.gen(function* () {
        const answer = yield* SubmitSignupForm(path.id, payload, (yield* clientAddress) ?? null)
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
