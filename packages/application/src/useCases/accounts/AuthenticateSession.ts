import { needsSeenRefresh, SessionRequired } from "@poststack/domain"
import { Clock, Effect, Option, type Redacted } from "effect"
import { AccountTokens } from "../../ports/AccountTokens.js"
import { SessionStore } from "../../ports/SessionStore.js"
import { UserRepository } from "../../ports/UserRepository.js"

const required = new SessionRequired({ message: "Sign in first: the session is missing, ended or expired" })

/**
 * The live session a cookie's secret opens, and its person. `lastSeenAt` is refreshed at most once
 * a minute. Also returns the CSRF token the session's state-changing requests must carry.
 */
// Untraced: it runs on every request made with a session.
export const AuthenticateSession = Effect.fnUntraced(function* (token: Redacted.Redacted<string>) {
  const now = new Date(yield* Clock.currentTimeMillis)
  const tokens = yield* AccountTokens
  const sessions = yield* SessionStore
  const found = yield* sessions.findByTokenHash(tokens.hash(token), now)
  if (Option.isNone(found)) return yield* required
  const session = found.value
  const user = yield* (yield* UserRepository).get(session.userId)
  if (Option.isNone(user)) return yield* required
  if (needsSeenRefresh(session, now)) yield* sessions.touch(session.id, now)
  return { session, user: user.value.user, csrfToken: tokens.csrfToken(token) }
})
