import { Schema } from "effect"

/** Who signs people in besides their password. */
export type IdentityProvider = "github"

/**
 * What is kept of an account at a provider (P02): its id there, the profile name, the verified
 * primary email address and the avatar URL. Nothing else the provider tells is stored.
 */
export interface ExternalProfile {
  readonly providerId: string
  readonly name: string
  readonly email: string
  readonly avatarUrl: string | null
}

/** Sign-in with the provider is not set up on this server (no client id and secret). */
export class OAuthNotConfigured extends Schema.TaggedError<OAuthNotConfigured>()("OAuthNotConfigured", {
  message: Schema.String
}) {}

/**
 * The provider's answer cannot sign anyone in: consent denied, a state that does not match the
 * browser's, a used or wrong code, no verified primary address.
 */
export class OAuthRefused extends Schema.TaggedError<OAuthRefused>()("OAuthRefused", {
  message: Schema.String
}) {}

/** The provider could not be reached or answered something unexpected. */
export class OAuthProviderUnavailable extends Schema.TaggedError<OAuthProviderUnavailable>()(
  "OAuthProviderUnavailable",
  { message: Schema.String }
) {}

/**
 * Why a GitHub sign-in or link came back refused, as a short reason a browser is sent to the
 * dashboard with (`/sign-in/github-refused?reason=…`): the page shows the text for the reason, so
 * a crafted link can only show one of these texts, never words of its own.
 */
export const GITHUB_REFUSALS = {
  declined: "You declined access at GitHub: nothing was changed",
  github_error: "GitHub refused the sign-in: start again",
  state:
    "This GitHub sign-in was not started in this browser, or it is more than ten minutes old: start again",
  no_code: "GitHub sent no code: start again",
  bad_code: "The GitHub sign-in code is wrong, used or expired: start again",
  no_verified_email: "Your GitHub account has no verified primary email address: verify one at GitHub first",
  address_taken:
    "An account with your GitHub address already exists: sign in with your password, then link GitHub in your account settings",
  gone: "This account no longer exists",
  linked_elsewhere:
    "This GitHub account is linked to another PostStack account, or yours has another GitHub account linked",
  sign_in_first: "Sign in first to link a GitHub account",
  unavailable: "GitHub could not be reached: try again in a moment",
  not_configured: "This server does not offer sign-in with GitHub",
  failed: "The GitHub sign-in did not work: start again"
} as const

export type GitHubRefusal = keyof typeof GITHUB_REFUSALS

/** The reason whose text `message` is; any other message is the generic `failed`. */
export const githubRefusalOf = (message: string): GitHubRefusal =>
  (Object.keys(GITHUB_REFUSALS) as Array<GitHubRefusal>).find((key) => GITHUB_REFUSALS[key] === message) ??
  "failed"

/** The reason a dashboard page was sent, if it is one; anything else reads as `failed`. */
export const githubRefusalReason = (reason: string | null): GitHubRefusal =>
  reason !== null && Object.hasOwn(GITHUB_REFUSALS, reason) ? (reason as GitHubRefusal) : "failed"
