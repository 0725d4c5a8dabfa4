import { Context, type Effect, type Redacted } from "effect"

export interface MintedToken {
  /** What goes in the cookie or the link; shown once, never stored. */
  readonly token: Redacted.Redacted<string>
  /** Its SHA-256: what is stored and looked up. */
  readonly hash: Uint8Array
}

/** Random secrets for sessions and mailed links, public ids, and the CSRF token bound to a session. */
export class AccountTokens extends Context.Tag("@poststack/application/AccountTokens")<
  AccountTokens,
  {
    /** 32 random bytes, base64url. */
    readonly mint: () => Effect.Effect<MintedToken>
    readonly hash: (token: Redacted.Redacted<string>) => Uint8Array
    /** `usr_`, `ses_` or `inv_` and 24 random hex digits. */
    readonly newId: (prefix: "usr" | "ses" | "inv") => Effect.Effect<string>
    /**
     * The CSRF token of the session whose secret is `token`: derived from it under its own label,
     * so only a holder of the session can know it, and nothing more needs storing.
     */
    readonly csrfToken: (token: Redacted.Redacted<string>) => string
  }
>() {}
