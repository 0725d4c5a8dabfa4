import { TWO_FACTOR_CHALLENGE_MS, type User } from "@poststack/domain"
import { Clock, Effect } from "effect"
import { AccountTokens } from "../../ports/AccountTokens.js"
import { TwoFactorStore } from "../../ports/TwoFactorStore.js"
import type { ClientContext } from "./ClientContext.js"
import { NoticeNewDevice } from "./NoticeNewDevice.js"
import { StartSession } from "./StartSession.js"
import { auditPerson } from "./auditPerson.js"

/**
 * The end of a first factor (password or GitHub): a session, or, with two-factor authentication
 * on, a short-lived challenge bound to this person that `CompleteSignIn` trades with a code for
 * the session. Its token is shown once; only its SHA-256 is kept.
 */
export const OpenSignIn = Effect.fnUntraced(function* (
  user: User,
  client: ClientContext,
  method: "password" | "github"
) {
  const store = yield* TwoFactorStore
  if ((yield* store.status(user.id)).enabled) {
    const minted = yield* (yield* AccountTokens).mint()
    const expiresAt = new Date((yield* Clock.currentTimeMillis) + TWO_FACTOR_CHALLENGE_MS)
    yield* store.createChallenge({ tokenHash: minted.hash, userId: user.id, expiresAt })
    return { _tag: "TwoFactorRequired" as const, challenge: minted.token, expiresAt }
  }
  const started = yield* StartSession(user.id, client)
  yield* auditPerson(user.id, "account.signed_in", "personal", {
    details: { method },
    client,
    memberOf: started.teams
  })
  yield* NoticeNewDevice(user, client)
  return { _tag: "SignedIn" as const, user, ...started }
})
