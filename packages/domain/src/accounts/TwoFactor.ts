import { Schema } from "effect"

/** How long the second step of a sign-in waits for its code after the password was right. */
export const TWO_FACTOR_CHALLENGE_MS = 5 * 60_000

/** Backup codes handed out at enrolment, each usable once. */
export const BACKUP_CODE_COUNT = 10

/** A code from an authenticator app: six digits (spaces a person may type are taken out first). */
export const isTotpCode = (code: string): boolean => /^[0-9]{6}$/.test(code)

/** A backup code as shown: ten characters of a-z and 2-9 in two groups, `abcde-fghij`. */
export const isBackupCode = (code: string): boolean => /^[a-z2-9]{5}-[a-z2-9]{5}$/.test(code)

/** What a person types, spaces taken out and backup codes lower-cased. */
export const normalizeSecondFactor = (code: string): string => code.replace(/\s+/g, "").toLowerCase()

/** Whether the second factor is on, and how many backup codes are left. */
export class TwoFactorStatus extends Schema.Class<TwoFactorStatus>("TwoFactorStatus")({
  enabled: Schema.Boolean,
  backupCodesLeft: Schema.Int
}) {}
