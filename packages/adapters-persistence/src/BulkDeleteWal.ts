import type { SqlClient } from "@effect/sql"
import { Effect } from "effect"

/**
 * Most of the WAL a bulk delete writes (retention, erasure) is full page images: the first change
 * to a heap page after a checkpoint logs the whole page, and a delete changes every page it meets.
 * Compressed, those images take under half the bytes (an outbox purge: 262 bytes of WAL per row
 * uncompressed, 120 with lz4), so the deletes ask for fewer checkpoints and every sender's commit
 * waits behind less WAL to flush.
 *
 * `wal_compression` is a superuser's setting (or one granted with `GRANT SET ON PARAMETER`): the
 * method to set for a bulk delete's transaction is found once, on first use, and is `null` where
 * the setting cannot be changed by this role or is on already. Nothing else changes: where it
 * cannot be set, the delete writes the WAL it always did.
 */
export const bulkDeleteWal = (sql: SqlClient.SqlClient) => {
  let method: string | null | undefined
  const detect = Effect.gen(function* () {
    const [row] = yield* sql<{
      current: string
      methods: ReadonlyArray<string> | string
      superuser: boolean
    }>`
      SELECT current_setting('wal_compression') AS current,
        (SELECT enumvals FROM pg_settings WHERE name = 'wal_compression') AS methods,
        coalesce((SELECT rolsuper FROM pg_roles WHERE rolname = current_user), false) AS superuser`
    if (row === undefined || row.current !== "off") return null
    const allowed =
      row.superuser ||
      (yield* sql<{
        allowed: boolean
      }>`SELECT has_parameter_privilege('wal_compression', 'SET') AS allowed`.pipe(
        Effect.map(([r]) => r?.allowed === true),
        // Before PostgreSQL 15 only a superuser sets it.
        Effect.catchAll(() => Effect.succeed(false))
      ))
    if (!allowed) return null
    const methods =
      typeof row.methods === "string" ? row.methods.replace(/[{}]/g, "").split(",") : row.methods
    // lz4 compresses about as well as pglz here at a fraction of its CPU; `on` is pglz, always built.
    return methods.includes("lz4") ? "lz4" : "on"
  })
  const compression = Effect.suspend(() =>
    method !== undefined
      ? Effect.succeed(method)
      : detect.pipe(
          Effect.tap((m) =>
            Effect.sync(() => {
              method = m
            })
          )
        )
  )
  /**
   * The settings of a bulk delete's transaction, run first inside it: WAL compression where this
   * role may set it and, with `lazyCommit`, a commit that does not wait for its WAL to reach the
   * disk (only for deletes a crash may lose: they are done again by the next pass).
   */
  return (options: { readonly lazyCommit: boolean }) =>
    compression.pipe(
      Effect.flatMap((m) =>
        m === null
          ? options.lazyCommit
            ? sql`SELECT set_config('synchronous_commit', 'off', true)`
            : Effect.void
          : options.lazyCommit
            ? sql`SELECT set_config('synchronous_commit', 'off', true), set_config('wal_compression', ${m}, true)`
            : sql`SELECT set_config('wal_compression', ${m}, true)`
      ),
      Effect.asVoid
    )
}
