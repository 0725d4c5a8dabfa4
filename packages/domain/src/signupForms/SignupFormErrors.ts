import { Schema } from "effect"

/** No signup form of that id in the team; for a submission, also one that is inactive or deleted. */
export class SignupFormNotFound extends Schema.TaggedError<SignupFormNotFound>()("SignupFormNotFound", {}) {
  override get message() {
    return "Signup form not found"
  }
}

/** A confirmation link that was changed, has expired, or whose form is gone: one answer for all. */
export class SignupConfirmationInvalid extends Schema.TaggedError<SignupConfirmationInvalid>()(
  "SignupConfirmationInvalid",
  {}
) {
  override get message() {
    return "This confirmation link is invalid or has expired"
  }
}
