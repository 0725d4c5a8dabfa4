import type {
  ExternalProfile,
  OAuthNotConfigured,
  OAuthProviderUnavailable,
  OAuthRefused
} from "@poststack/domain"
import { Context, type Effect, type Redacted } from "effect"

/** A provider people sign in with (the OAuth 2.0 web flow). */
export class OAuthProvider extends Context.Tag("@poststack/application/OAuthProvider")<
  OAuthProvider,
  {
    /** Whether this server has the provider's app credentials (the sign-in page offers it only then). */
    readonly configured: boolean
    /** Where to send the browser to ask for consent; `state` comes back with the code. */
    readonly authorizeUrl: (state: string) => Effect.Effect<string, OAuthNotConfigured>
    /**
     * Trades the code the browser brought back for the account's profile, with its verified
     * primary address (an account without one is `OAuthRefused`). The access token is used for
     * these requests only and never kept.
     */
    readonly profile: (
      code: Redacted.Redacted<string>
    ) => Effect.Effect<ExternalProfile, OAuthNotConfigured | OAuthRefused | OAuthProviderUnavailable>
  }
>() {}
