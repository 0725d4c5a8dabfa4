import type { Session } from "@poststack/domain"
import { Effect, type Redacted } from "effect"
import { IdentityRepository } from "../../ports/IdentityRepository.js"
import { OAuthProvider } from "../../ports/OAuthProvider.js"
import { auditPerson } from "./auditPerson.js"

/** Links the GitHub account the browser came back with to the signed-in person. */
export const LinkGitHub = Effect.fn("LinkGitHub")(function* (
  session: Session,
  code: Redacted.Redacted<string>
) {
  const profile = yield* (yield* OAuthProvider).profile(code)
  yield* (yield* IdentityRepository).link(session.userId, "github", profile)
  yield* auditPerson(session.userId, "account.github_linked", "personal", {
    details: { github_id: profile.providerId }
  })
  return profile
})
