import { LinkInvalid, type SessionId } from "@poststack/domain"
import { Clock, Effect, Option, type Redacted } from "effect"
import { AccountTokens } from "../../ports/AccountTokens.js"
import { SessionStore } from "../../ports/SessionStore.js"
import { UserRepository } from "../../ports/UserRepository.js"
import { mails } from "./mails.js"
import { SendSystemMail } from "./SendSystemMail.js"
import { auditPerson } from "./auditPerson.js"

/**
 * Makes the address a change link was sent to the account's sign-in address, ends every other
 * session (`keep`: the one following the link, if it is the same person's), and mails a security
 * notice to the old address.
 */
export const ConfirmEmailChange = Effect.fn("ConfirmEmailChange")(function* (
  token: Redacted.Redacted<string>,
  keep: { readonly userId: string; readonly sessionId: SessionId } | null
) {
  const now = new Date(yield* Clock.currentTimeMillis)
  const users = yield* UserRepository
  const used = yield* users.consumeLink((yield* AccountTokens).hash(token), "change_email", now)
  if (Option.isNone(used) || used.value.newEmail === null)
    return yield* new LinkInvalid({ message: "This link is invalid, used or expired: ask for a new one" })
  const { userId, newEmail } = used.value
  const before = yield* users.get(userId)
  yield* users
    .setEmail(userId, newEmail, now)
    .pipe(
      Effect.catchTag(
        "AlreadyExists",
        () => new LinkInvalid({ message: "This address now belongs to another account" })
      )
    )
  yield* auditPerson(userId, "account.email_changed", "personal")
  yield* (yield* SessionStore).revokeAll(
    userId,
    keep !== null && keep.userId === userId ? keep.sessionId : null
  )
  if (Option.isSome(before))
    yield* SendSystemMail(
      mails.securityNotice(
        before.value.user.email,
        `Your sign-in address was changed to ${newEmail}`,
        now,
        before.value.user.timeZone
      )
    )
})
