import { PgClient } from "@effect/sql-pg"
import { Config, Effect, Either, Layer, Option, type Redacted } from "effect"
import { runningEmbeddedPostgres, startEmbeddedPostgres } from "./EmbeddedPostgres.js"
import { describeConnectionFailure, parseDatabaseUrl } from "./PgConnectionProblem.js"
import { APPLY_MISSING_SETTING, migrate } from "./PgMigrations.js"

/**
 * The pool for one PostgreSQL URL, with the schema migrated before anything uses it. A URL that is
 * not one, or a server that cannot be reached or refuses us, fails with a `StartupProblem` that
 * says which and what to change. `applyMissingMigrations` also applies known migrations older than
 * the newest applied one (see `PgMigrations.MigrationsMissing`).
 */
export const layer = (
  url: Redacted.Redacted<string>,
  options: { readonly maxConnections?: number; readonly applyMissingMigrations?: boolean } = {}
) => {
  const target = parseDatabaseUrl(url)
  if (Either.isLeft(target)) return Layer.fail(target.left)
  const client = PgClient.layer({
    url,
    maxConnections: options.maxConnections ?? 10,
    applicationName: "poststack",
    // int8 counts and sums come back as JavaScript numbers; our ids are int4.
    transformJson: false
  }).pipe(
    Layer.mapError((error) =>
      describeConnectionFailure(
        target.right,
        error.message.includes("timed out") ? { code: "timeout", message: error.message } : error.cause
      )
    )
  )
  return Layer.effectDiscard(migrate({ applyMissing: options.applyMissingMigrations ?? false })).pipe(
    Layer.provideMerge(client)
  )
}

export const DatabaseConfig = Config.all({
  url: Config.option(Config.redacted("DATABASE_URL")),
  dataDir: Config.string("POSTSTACK_DATA_DIR").pipe(Config.withDefault("./.poststack")),
  maxConnections: Config.integer("POSTSTACK_DATABASE_POOL_SIZE").pipe(Config.withDefault(10)),
  applyMissingMigrations: Config.boolean(APPLY_MISSING_SETTING).pipe(Config.withDefault(false))
})

/**
 * `DATABASE_URL` when set (external PostgreSQL, production); otherwise an embedded PostgreSQL
 * under `POSTSTACK_DATA_DIR`, started and stopped with the layer.
 */
export const layerConfig = Layer.unwrapScoped(
  Effect.gen(function* () {
    const config = yield* DatabaseConfig
    const url = Option.isSome(config.url) ? config.url.value : yield* startEmbeddedPostgres(config.dataDir)
    if (Option.isNone(config.url)) yield* Effect.logInfo("no DATABASE_URL: using the embedded PostgreSQL")
    return layer(url, {
      maxConnections: config.maxConnections,
      applyMissingMigrations: config.applyMissingMigrations
    })
  })
)

/**
 * For tools run beside a server (the CLI): like `layerConfig`, but attaches to the embedded
 * PostgreSQL a running server already started from the same data folder.
 */
export const layerConfigForTools = Layer.unwrapScoped(
  Effect.gen(function* () {
    const config = yield* DatabaseConfig
    const options = { maxConnections: 2, applyMissingMigrations: config.applyMissingMigrations }
    if (Option.isSome(config.url)) return layer(config.url.value, options)
    const running = yield* runningEmbeddedPostgres(config.dataDir)
    const url = Option.isSome(running) ? running.value : yield* startEmbeddedPostgres(config.dataDir)
    return layer(url, options)
  })
)
