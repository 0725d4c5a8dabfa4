import { type SessionId, sessionExpiry, type UserId } from "@poststack/domain"
import { Array as Arr, Clock, Effect, Option } from "effect"
import { AccountTokens } from "../../ports/AccountTokens.js"
import { MembershipRepository } from "../../ports/MembershipRepository.js"
import { SessionStore } from "../../ports/SessionStore.js"
import type { ClientContext } from "./ClientContext.js"

/**
 * Opens a session for a person whose credentials were just checked: a fresh random secret (the
 * cookie), stored as its hash, with their first team selected. Returns the secret and the CSRF
 * token bound to it (neither is stored), and the person's teams as read for the selection, so
 * the rest of a sign-in (its audit entries, its answer) does not read them again.
 */
export const StartSession = Effect.fn("StartSession")(function* (userId: UserId, client: ClientContext) {
  const tokens = yield* AccountTokens
  const minted = yield* tokens.mint()
  const now = new Date(yield* Clock.currentTimeMillis)
  const teams = yield* (yield* MembershipRepository).listForUser(userId)
  const session = yield* (yield* SessionStore).create({
    id: (yield* tokens.newId("ses")) as SessionId,
    tokenHash: minted.hash,
    userId,
    teamId: Option.getOrNull(Option.map(Arr.head(teams), (m) => m.teamId)),
    createdAt: now,
    expiresAt: sessionExpiry(now),
    address: client.address,
    userAgent: client.userAgent === null ? null : client.userAgent.slice(0, 512)
  })
  return { session, token: minted.token, csrfToken: tokens.csrfToken(minted.token), teams }
})
