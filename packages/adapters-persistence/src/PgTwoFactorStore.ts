import { SqlClient } from "@effect/sql"
import { TwoFactorStore } from "@poststack/application"
import { TwoFactorStatus, type UserId } from "@poststack/domain"
import { Array as Arr, Effect, Layer, Option } from "effect"
import { unavailable } from "./SqlErrors.js"

/**
 * Second factors in `totp_factors`, backup codes in `totp_backup_codes` (hashes only), sign-in
 * challenges in `sign_in_challenges`. Using a step or a code is one conditional `UPDATE`, so two
 * requests racing with the same code cannot both win.
 */
export const make = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const some = <A>(rows: ReadonlyArray<A>) => rows.length > 0

  return TwoFactorStore.of({
    status: (userId) =>
      sql<{ enabled: boolean; left: number }>`
        SELECT f.enabled_at IS NOT NULL AS enabled,
               (SELECT count(*)::int FROM totp_backup_codes c WHERE c.user_id = f.user_id AND c.used_at IS NULL) AS left
        FROM totp_factors f WHERE f.user_id = ${userId}`.pipe(
        Effect.map((rows) =>
          Option.match(Arr.head(rows), {
            onNone: () => new TwoFactorStatus({ enabled: false, backupCodesLeft: 0 }),
            onSome: (r) =>
              new TwoFactorStatus({ enabled: r.enabled, backupCodesLeft: r.enabled ? r.left : 0 })
          })
        ),
        unavailable
      ),
    factor: (userId) =>
      sql<{ sealedSecret: Buffer; enabled: boolean }>`
        SELECT sealed_secret AS "sealedSecret", enabled_at IS NOT NULL AS enabled FROM totp_factors WHERE user_id = ${userId}`.pipe(
        Effect.map((rows) =>
          Option.map(Arr.head(rows), (r) => ({
            sealedSecret: new Uint8Array(r.sealedSecret),
            enabled: r.enabled
          }))
        ),
        unavailable
      ),
    begin: (userId, sealedSecret) =>
      sql`
        INSERT INTO totp_factors (user_id, sealed_secret) VALUES (${userId}, ${Buffer.from(sealedSecret)})
        ON CONFLICT (user_id) DO UPDATE SET sealed_secret = excluded.sealed_secret, last_step = NULL, created_at = now()
        WHERE totp_factors.enabled_at IS NULL
        RETURNING user_id`.pipe(Effect.map(some), unavailable),
    enable: (userId, step, hashes, at) =>
      sql
        .withTransaction(
          Effect.gen(function* () {
            const rows = yield* sql`
              UPDATE totp_factors SET enabled_at = ${at}, last_step = ${step}
              WHERE user_id = ${userId} AND enabled_at IS NULL RETURNING user_id`
            if (rows.length === 0) return false
            yield* sql`DELETE FROM totp_backup_codes WHERE user_id = ${userId}`
            yield* sql`INSERT INTO totp_backup_codes ${sql.insert(hashes.map((hash) => ({ user_id: userId, code_hash: hash })))}`
            return true
          })
        )
        .pipe(unavailable),
    useStep: (userId, step) =>
      sql`
        UPDATE totp_factors SET last_step = ${step}
        WHERE user_id = ${userId} AND enabled_at IS NOT NULL AND (last_step IS NULL OR last_step < ${step})
        RETURNING user_id`.pipe(Effect.map(some), unavailable),
    useBackupCode: (userId, hash, at) =>
      sql`
        UPDATE totp_backup_codes SET used_at = ${at}
        WHERE user_id = ${userId} AND code_hash = ${hash} AND used_at IS NULL
          AND EXISTS (SELECT 1 FROM totp_factors f WHERE f.user_id = ${userId} AND f.enabled_at IS NOT NULL)
        RETURNING user_id`.pipe(Effect.map(some), unavailable),
    disable: (userId) =>
      sql`DELETE FROM totp_factors WHERE user_id = ${userId} AND enabled_at IS NOT NULL RETURNING user_id`.pipe(
        Effect.map(some),
        unavailable
      ),
    createChallenge: (challenge) =>
      sql
        .withTransaction(
          Effect.gen(function* () {
            yield* sql`DELETE FROM sign_in_challenges WHERE user_id = ${challenge.userId} AND expires_at <= now()`
            yield* sql`
              INSERT INTO sign_in_challenges (token_hash, user_id, expires_at)
              VALUES (${Buffer.from(challenge.tokenHash)}, ${challenge.userId}, ${challenge.expiresAt})`
          })
        )
        .pipe(unavailable),
    findChallenge: (tokenHash, now) =>
      sql<{ userId: string }>`
        SELECT user_id AS "userId" FROM sign_in_challenges
        WHERE token_hash = ${Buffer.from(tokenHash)} AND expires_at > ${now}`.pipe(
        Effect.map((rows) => Option.map(Arr.head(rows), (r) => r.userId as UserId)),
        unavailable
      ),
    endChallenge: (tokenHash) =>
      sql`DELETE FROM sign_in_challenges WHERE token_hash = ${Buffer.from(tokenHash)} RETURNING user_id`.pipe(
        Effect.map(some),
        unavailable
      )
  })
})

export const layer = Layer.effect(TwoFactorStore, make)
