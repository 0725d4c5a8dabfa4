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
