import {
  DEFAULT_SUCCESS_MESSAGE,
  isBot,
  readSubmission,
  SignupFormNotFound,
  type SignupFormPublicId
} from "@poststack/domain"
import { Effect, Option } from "effect"
import { ContactPropertyRepository } from "../../ports/ContactPropertyRepository.js"
import { SignupFormRepository } from "../../ports/SignupFormRepository.js"
import { GuardAttempt } from "../accounts/GuardAttempt.js"
import { SendSystemMail } from "../accounts/SendSystemMail.js"
import { confirmationLink, confirmationMail } from "./confirmationLink.js"

/** What the visitor's page is told: the form's message, and where to go next if the team said. */
export interface SubmitAnswer {
  readonly message: string
  readonly redirectUrl: string | null
}

/**
 * A visitor's submission of a public form (no key). Counted first, per subscriber address and per
 * client address, so neither an inbox nor a team's pending list can be flooded; an inactive or
 * deleted form is not found. A filled honeypot gets the same answer and nothing is kept. Otherwise
 * the submission is read against the form and the team's properties (a wrong type is refused
 * naming the property), kept as pending, and a confirmation mail goes out through the system
 * sender: the contact exists, and counts as subscribed, only once the link in it is followed.
 */
export const SubmitSignupForm = Effect.fn("SubmitSignupForm")(function* (
  id: SignupFormPublicId,
  body: Readonly<Record<string, unknown>>,
  clientAddress: string | null
) {
  yield* GuardAttempt("signup_form", typeof body.email === "string" ? body.email : "", clientAddress)
  const forms = yield* SignupFormRepository
  const found = yield* forms.findActive(id)
  if (Option.isNone(found)) return yield* new SignupFormNotFound()
  const form = found.value
  const answer: SubmitAnswer = {
    message: form.successMessage ?? DEFAULT_SUCCESS_MESSAGE,
    redirectUrl: form.redirectUrl
  }
  if (isBot(body)) {
    yield* Effect.logInfo("signup form: honeypot filled, submission dropped")
    return answer
  }
  const definitions = yield* (yield* ContactPropertyRepository).list(form.teamId)
  const values = yield* readSubmission(form.fields, definitions, body)
  const pending = yield* forms.submit(form, values)
  if (Option.isNone(pending)) return yield* new SignupFormNotFound()
  const link = yield* confirmationLink(pending.value.publicId)
  yield* SendSystemMail(confirmationMail(values.email, form, link))
  return answer
})
