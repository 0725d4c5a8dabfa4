import { Migrator, SqlClient } from "@effect/sql"
import { Data, Effect } from "effect"
import { migrations } from "./migrations/index.js"

const MIGRATIONS_LOCK = 7_340_001

/** `@effect/sql`'s table: databases migrated before this check existed keep their history. */
const TABLE = "effect_sql_migrations"

/** The setting that lets a start apply migrations older than the newest one applied. */
export const APPLY_MISSING_SETTING = "POSTSTACK_MIGRATIONS_APPLY_MISSING"

type Migrations = Record<string, Effect.Effect<void, unknown, SqlClient.SqlClient>>

/**
 * Known migrations the database does not have although a later one is applied: it ran a build
 * that had the later one before these existed. `@effect/sql`'s migrator only runs migrations
 * above the newest applied, so without this check they would be skipped for good.
 */
export class MigrationsMissing extends Data.TaggedError("MigrationsMissing")<{
  readonly missing: ReadonlyArray<string>
  readonly newestApplied: string
}> {
  override get message() {
    const names = this.missing.join(", ")
    return (
      `Refusing to start: migration${this.missing.length > 1 ? "s" : ""} ${names} ` +
      `${this.missing.length > 1 ? "are" : "is"} not applied, but ${this.newestApplied}, a later one, is. ` +
      "This database ran a build that had the later migration before the earlier one existed, and " +
      "migrations only ever run in number order, so nothing was changed. " +
      `To apply ${names} now (after ${this.newestApplied}), start once with ${APPLY_MISSING_SETTING}=true, ` +
      `or run \`${APPLY_MISSING_SETTING}=true pnpm poststack migrate\`; read ${names} first to check ` +
      "it does not depend on running before the later one. Or restore a backup taken before " +
      `${this.newestApplied} was applied. See docs/migrations.md.`
    )
  }
}

const numbered = (known: Migrations) =>
  Object.entries(known)
    .map(([key, effect]) => ({ id: Number(key.slice(0, 4)), key, effect }))
    .sort((a, b) => a.id - b.id)

/** Each migration's name as the table stores it (after the number and its underscore). */
const nameOf = (key: string) => key.slice(5)

/**
 * Applies `known` migrations the database does not have yet, in number order. A known
 * migration numbered below the newest applied one and not applied itself stops the start
 * (`MigrationsMissing`) before anything changes, unless `applyMissing` is set: then those run
 * first, each in its own transaction, and the rest as usual.
 */
export const migrateWith = (known: Migrations, options: { readonly applyMissing?: boolean } = {}) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const run = Effect.gen(function* () {
      const exists = yield* sql<{ found: string | null }>`SELECT to_regclass(${TABLE}) AS found`
      const applied = new Map<number, string>()
      if (exists[0]?.found != null) {
        const rows = yield* sql<{ migration_id: number; name: string }>`
          SELECT migration_id, name FROM ${sql(TABLE)}`.withoutTransform
        for (const row of rows)
          applied.set(row.migration_id, `${String(row.migration_id).padStart(4, "0")}_${row.name}`)
      }
      const newest = Math.max(0, ...applied.keys())
      const missing = numbered(known).filter((m) => m.id < newest && !applied.has(m.id))
      if (missing.length > 0 && options.applyMissing !== true)
        return yield* new MigrationsMissing({
          missing: missing.map((m) => m.key),
          newestApplied: applied.get(newest) ?? String(newest)
        })
      for (const m of missing) {
        yield* Effect.logWarning("applying a migration older than the newest applied").pipe(
          Effect.annotateLogs({ migration: m.key, newestApplied: applied.get(newest) })
        )
        yield* sql
          .withTransaction(
            Effect.zipRight(
              sql`INSERT INTO ${sql(TABLE)} (migration_id, name) VALUES (${m.id}, ${nameOf(m.key)})`,
              m.effect
            )
          )
          .pipe(Effect.orDieWith((cause) => new Error(`Migration "${m.key}" failed: ${String(cause)}`)))
      }
      const later = yield* Migrator.make({})({ loader: Migrator.fromRecord(known), table: TABLE })
      return [
        ...missing.map((m) => m.key),
        ...later.map(([id, name]) => `${String(id).padStart(4, "0")}_${name}`)
      ]
    })
    return yield* Effect.acquireUseRelease(
      Effect.gen(function* () {
        const conn = yield* sql.reserve
        yield* conn.execute(`SELECT pg_advisory_lock(${MIGRATIONS_LOCK})`, [], undefined)
        return conn
      }),
      () => run,
      (conn) =>
        conn.execute(`SELECT pg_advisory_unlock(${MIGRATIONS_LOCK})`, [], undefined).pipe(Effect.ignore)
    ).pipe(
      Effect.scoped,
      Effect.tap((done) =>
        done.length > 0
          ? Effect.logInfo("migrations applied").pipe(Effect.annotateLogs("migrations", done))
          : Effect.void
      ),
      Effect.withSpan("Persistence.migrate")
    )
  })

/**
 * Applies pending migrations. Several processes may start at once: an advisory lock lets one
 * migrate while the others wait, then find nothing left to do.
 */
export const migrate = (options: { readonly applyMissing?: boolean } = {}) => migrateWith(migrations, options)
