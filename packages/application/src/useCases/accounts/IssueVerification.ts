import { ACCOUNT_LINK_LIFETIME_MS, type UserId } from "@poststack/domain"
import { Clock, Effect } from "effect"
import { AccountTokens } from "../../ports/AccountTokens.js"
import { UserRepository } from "../../ports/UserRepository.js"
import { linkTo } from "./links.js"
import { mails } from "./mails.js"
import { SendSystemMail } from "./SendSystemMail.js"

/** Mails a fresh verification link to `email`; earlier ones stop working. */
export const IssueVerification = Effect.fn("IssueVerification")(function* (userId: UserId, email: string) {
  const now = yield* Clock.currentTimeMillis
  const minted = yield* (yield* AccountTokens).mint()
  yield* (yield* UserRepository).issueLink({
    tokenHash: minted.hash,
    userId,
    purpose: "verify_email",
    newEmail: null,
    expiresAt: new Date(now + ACCOUNT_LINK_LIFETIME_MS.verify_email)
  })
  yield* SendSystemMail(mails.verify(email, yield* linkTo("verify-email", minted.token)))
})
