import { ACCOUNT_LINK_LIFETIME_MS, canonicalEmail } from "@poststack/domain"
import { Clock, Effect, Option } from "effect"
import { AccountTokens } from "../../ports/AccountTokens.js"
import { UserRepository } from "../../ports/UserRepository.js"
import type { ClientContext } from "./ClientContext.js"
import { GuardAttempt } from "./GuardAttempt.js"
import { linkTo } from "./links.js"
import { mails } from "./mails.js"
import { SendSystemMail } from "./SendSystemMail.js"

/**
 * Mails a single-use reset link (one hour) if the address has an account. The answer is the same
 * either way, and the token is minted either way, so the two paths do the same work up to the mail.
 */
export const RequestPasswordReset = Effect.fn("RequestPasswordReset")(function* (
  email: string,
  client: ClientContext
) {
  const address = canonicalEmail(email)
  yield* GuardAttempt("password_reset", address, client.address)
  const minted = yield* (yield* AccountTokens).mint()
  const users = yield* UserRepository
  const found = yield* users.findByEmail(address)
  if (Option.isNone(found)) return
  const now = yield* Clock.currentTimeMillis
  yield* users.issueLink({
    tokenHash: minted.hash,
    userId: found.value.user.id,
    purpose: "reset_password",
    newEmail: null,
    expiresAt: new Date(now + ACCOUNT_LINK_LIFETIME_MS.reset_password)
  })
  yield* SendSystemMail(mails.reset(found.value.user.email, yield* linkTo("reset-password", minted.token)))
})
