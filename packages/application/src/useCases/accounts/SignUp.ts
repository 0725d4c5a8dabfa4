import { canonicalEmail, type UserId } from "@poststack/domain"
import { Effect, type Redacted } from "effect"
import { AccountTokens } from "../../ports/AccountTokens.js"
import { PasswordHasher } from "../../ports/PasswordHasher.js"
import { UserRepository } from "../../ports/UserRepository.js"
import type { ClientContext } from "./ClientContext.js"
import { GuardAttempt } from "./GuardAttempt.js"
import { IssueVerification } from "./IssueVerification.js"
import { linkTo } from "./links.js"
import { mails } from "./mails.js"
import { SendSystemMail } from "./SendSystemMail.js"

export interface SignUpInput {
  readonly email: string
  readonly password: Redacted.Redacted<string>
  readonly name: string
  readonly timeZone: string
}

/**
 * Registers a person with their first team (named after them), and mails a verification link.
 * The answer is the same whether or not the address already has an account: then the owner of
 * the address gets a mail saying so instead, and nothing changes. The password is hashed in
 * both cases, so the two take the same time.
 */
export const SignUp = Effect.fn("SignUp")(function* (input: SignUpInput, client: ClientContext) {
  const email = canonicalEmail(input.email)
  yield* GuardAttempt("verification_mail", email, client.address)
  const passwordHash = yield* (yield* PasswordHasher).hash(input.password)
  const tokens = yield* AccountTokens
  const id = (yield* tokens.newId("usr")) as UserId
  const name = input.name.trim()
  const teamName = `${name === "" ? email.slice(0, email.indexOf("@")) : name}'s team`
  const created = yield* (yield* UserRepository)
    .create({ id, email, name, passwordHash, timeZone: input.timeZone }, teamName)
    .pipe(Effect.catchTag("AlreadyExists", () => Effect.succeed(null)))
  if (created === null) {
    const message = mails.alreadyRegistered(email, yield* linkTo("sign-in"), yield* linkTo("reset-password"))
    return yield* SendSystemMail(message)
  }
  yield* IssueVerification(created.user.id, email)
})
