import type { RateLimitExceeded } from "@poststack/domain"
import { Context, type Effect, type Redacted } from "effect"

/** How a presented password compares with a stored hash. */
export interface PasswordCheck {
  readonly matches: boolean
  /** The hash was made with weaker parameters than today's: re-hash on this successful sign-in. */
  readonly outdated: boolean
}

/**
 * Hashes passwords (Argon2id, salted per hash) off the event loop. The password never leaves the
 * `Redacted` wrapper except inside the adapter. Hashes take turns; when more are already waiting
 * than the server takes on, a call fails at once with `RateLimitExceeded` (the wait it suggests in
 * `retryAfterSeconds`) rather than joining an ever longer queue.
 */
export class PasswordHasher extends Context.Tag("@poststack/application/PasswordHasher")<
  PasswordHasher,
  {
    readonly hash: (password: Redacted.Redacted<string>) => Effect.Effect<string, RateLimitExceeded>
    /**
     * Checks a password against a stored hash. With `null` (no such account, or no password) it
     * spends the same time as a real check and never matches, so timing names no account.
     */
    readonly verify: (
      hash: string | null,
      password: Redacted.Redacted<string>
    ) => Effect.Effect<PasswordCheck, RateLimitExceeded>
  }
>() {}
