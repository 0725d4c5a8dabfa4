import { Context, type Effect, type Option, type Redacted } from "effect"

export interface TotpEnrolment {
  /** The shared secret, base32: sealed before it is stored. */
  readonly secret: Redacted.Redacted<string>
  /** `otpauth://totp/…`: what an authenticator app scans. */
  readonly uri: string
  /** The URI as a QR code, an SVG document. */
  readonly qrCodeSvg: string
}

/** Time-based one-time passwords (RFC 6238: SHA-1, six digits, 30-second steps). */
export class TotpVerifier extends Context.Tag("@poststack/application/TotpVerifier")<
  TotpVerifier,
  {
    /** A new random secret for `account` (shown in the app), with its URI and QR code. */
    readonly enrol: (account: string) => Effect.Effect<TotpEnrolment>
    /**
     * The time step `code` belongs to, when it is the code of the step of `nowMs` or of the one
     * just before or after (clocks drift); none otherwise. The caller refuses a step already used.
     */
    readonly stepOf: (secret: Redacted.Redacted<string>, code: string, nowMs: number) => Option.Option<number>
    /** `count` random backup codes, `abcde-fghij`. */
    readonly backupCodes: (count: number) => Effect.Effect<ReadonlyArray<string>>
  }
>() {}
