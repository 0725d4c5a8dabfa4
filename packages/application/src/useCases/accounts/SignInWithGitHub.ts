import { type ExternalProfile, GITHUB_REFUSALS, OAuthRefused, type UserId } from "@poststack/domain"
import { Clock, Effect, Option, type Redacted } from "effect"
import { AccountTokens } from "../../ports/AccountTokens.js"
import { IdentityRepository } from "../../ports/IdentityRepository.js"
import { OAuthProvider } from "../../ports/OAuthProvider.js"
import { UserRepository } from "../../ports/UserRepository.js"
import type { ClientContext } from "./ClientContext.js"
import { OpenSignIn } from "./OpenSignIn.js"

/** A new person from a GitHub profile: no password, the address verified (GitHub verified it). */
const signUp = Effect.fnUntraced(function* (profile: ExternalProfile) {
  const users = yield* UserRepository
  const id = (yield* (yield* AccountTokens).newId("usr")) as UserId
  const teamName = `${profile.name === "" ? profile.email.slice(0, profile.email.indexOf("@")) : profile.name}'s team`
  const created = yield* users
    .create({ id, email: profile.email, name: profile.name, passwordHash: null, timeZone: "UTC" }, teamName)
    .pipe(
      Effect.catchTag("AlreadyExists", () =>
        Effect.fail(new OAuthRefused({ message: GITHUB_REFUSALS.address_taken }))
      )
    )
  yield* users.markEmailVerified(id, new Date(yield* Clock.currentTimeMillis))
  return created.user.id
})

/**
 * Signs in with the code GitHub sent the browser back with: the person the GitHub account is
 * linked to (their kept profile refreshed), or a new person when neither the account nor its
 * verified address is known. An address that already has an account is not taken over: its owner
 * signs in with the password and links GitHub. Two-factor authentication applies as after a
 * password.
 */
export const SignInWithGitHub = Effect.fn("SignInWithGitHub")(function* (
  code: Redacted.Redacted<string>,
  client: ClientContext
) {
  const profile = yield* (yield* OAuthProvider).profile(code)
  const identities = yield* IdentityRepository
  const linked = yield* identities.find("github", profile.providerId)
  const userId = Option.isSome(linked) ? linked.value : yield* signUp(profile)
  yield* identities
    .link(userId, "github", profile)
    .pipe(Effect.catchTag("AlreadyExists", (e) => Effect.fail(new OAuthRefused({ message: e.message }))))
  const found = yield* (yield* UserRepository).get(userId)
  if (Option.isNone(found)) return yield* new OAuthRefused({ message: GITHUB_REFUSALS.gone })
  return yield* OpenSignIn(found.value.user, client, "github")
})
