import {
  ACCOUNT_LINK_LIFETIME_MS,
  canonicalEmail,
  CredentialsRejected,
  type Session
} from "@poststack/domain"
import { Clock, Effect, Option, type Redacted } from "effect"
import { AccountTokens } from "../../ports/AccountTokens.js"
import { PasswordHasher } from "../../ports/PasswordHasher.js"
import { UserRepository } from "../../ports/UserRepository.js"
import { linkTo } from "./links.js"
import { mails } from "./mails.js"
import { SendSystemMail } from "./SendSystemMail.js"
import { auditPerson } from "./auditPerson.js"

/**
 * Starts an address change for the signed-in person, who must give their password: a link goes to
 * the new address, and nothing changes until it is followed (`ConfirmEmailChange`). Whether the
 * new address is taken is not said here; the confirmation refuses it.
 */
export const ChangeEmail = Effect.fn("ChangeEmail")(function* (
  session: Session,
  password: Redacted.Redacted<string>,
  newEmail: string
) {
  const users = yield* UserRepository
  const found = yield* users.get(session.userId)
  const check = yield* (yield* PasswordHasher).verify(
    Option.isSome(found) ? found.value.passwordHash : null,
    password
  )
  if (Option.isNone(found) || !check.matches)
    return yield* new CredentialsRejected({ message: "The current password is wrong" })
  const address = canonicalEmail(newEmail)
  const minted = yield* (yield* AccountTokens).mint()
  const now = yield* Clock.currentTimeMillis
  yield* users.issueLink({
    tokenHash: minted.hash,
    userId: session.userId,
    purpose: "change_email",
    newEmail: address,
    expiresAt: new Date(now + ACCOUNT_LINK_LIFETIME_MS.change_email)
  })
  yield* auditPerson(session.userId, "account.email_change_requested", "personal")
  yield* SendSystemMail(mails.confirmNewEmail(address, yield* linkTo("confirm-email", minted.token)))
})
