import type { RateLimitPolicy } from "../RateLimit.js"

/** What an attempt tries: each has its own budgets, per account and per client address. */
export type GuardedAction =
  | "sign_in"
  | "two_factor_sign_in"
  | "two_factor_confirm"
  | "two_factor_disable"
  | "irreversible_change"
  | "password_reset"
  | "verification_mail"
  | "signup_form"

/**
 * Attempts allowed per account (the address typed, whether or not it has an account, so the
 * limit itself names none) and per client address, in fixed windows. Sign-in allows ten guesses
 * per account per quarter hour; an address may try many accounts, but not thousands.
 */
export const GUARD_POLICIES: Readonly<
  Record<GuardedAction, { readonly perAccount: RateLimitPolicy; readonly perAddress: RateLimitPolicy }>
> = {
  sign_in: {
    perAccount: { limit: 10, windowMs: 15 * 60_000 },
    perAddress: { limit: 100, windowMs: 15 * 60_000 }
  },
  // The six-digit code after the password: five guesses per account per quarter hour leave an
  // attacker who has the password about one chance in 70,000 a day.
  // Each place a code is typed has its own budget, so guesses at one (say, a stolen session
  // trying to turn two-factor off) never lock the person out of another (signing in).
  two_factor_sign_in: {
    perAccount: { limit: 5, windowMs: 15 * 60_000 },
    perAddress: { limit: 50, windowMs: 15 * 60_000 }
  },
  two_factor_confirm: {
    perAccount: { limit: 5, windowMs: 15 * 60_000 },
    perAddress: { limit: 50, windowMs: 15 * 60_000 }
  },
  two_factor_disable: {
    perAccount: { limit: 5, windowMs: 15 * 60_000 },
    perAddress: { limit: 50, windowMs: 15 * 60_000 }
  },
  // Closing a team or deleting an account: the password, and the code when two-factor is on.
  // Ten per quarter hour, as for sign-in: a code is only tried behind the right password.
  irreversible_change: {
    perAccount: { limit: 10, windowMs: 15 * 60_000 },
    perAddress: { limit: 50, windowMs: 15 * 60_000 }
  },
  password_reset: {
    perAccount: { limit: 5, windowMs: 60 * 60_000 },
    perAddress: { limit: 30, windowMs: 60 * 60_000 }
  },
  verification_mail: {
    perAccount: { limit: 5, windowMs: 60 * 60_000 },
    perAddress: { limit: 30, windowMs: 60 * 60_000 }
  },
  // A public signup form: per subscriber address, so no one can flood an inbox with confirmation
  // mail; per client address, so no one can fill a team's pending submissions.
  signup_form: {
    perAccount: { limit: 3, windowMs: 60 * 60_000 },
    perAddress: { limit: 20, windowMs: 10 * 60_000 }
  }
}
