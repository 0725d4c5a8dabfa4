import { SqlClient } from "@effect/sql"
import { StoreUpkeep, type TableUpkeep } from "@poststack/application"
import { Effect, Layer } from "effect"
import { unavailable } from "./SqlErrors.js"

interface DueRow {
  readonly relname: string
  readonly vacuum: boolean
  readonly analyze: boolean
}

/**
 * What autovacuum would do now, for a server where it is off: the tables of this schema past its
 * thresholds (the server's own `autovacuum_*` settings, read from it), by dead rows, rows inserted
 * since the last vacuum and rows changed since the last analyze; `reltuples` of a table never
 * analyzed counts as 0, as autovacuum counts it.
 */
const DUE = `
  WITH t AS (
    SELECT s.relname, s.n_dead_tup, s.n_ins_since_vacuum, s.n_mod_since_analyze, greatest(c.reltuples, 0) AS tuples
    FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid
    WHERE s.schemaname = current_schema() AND c.relkind = 'r')
  SELECT relname,
    n_dead_tup > current_setting('autovacuum_vacuum_threshold')::float8
        + current_setting('autovacuum_vacuum_scale_factor')::float8 * tuples
      OR (current_setting('autovacuum_vacuum_insert_threshold')::float8 >= 0
        AND n_ins_since_vacuum > current_setting('autovacuum_vacuum_insert_threshold')::float8
          + current_setting('autovacuum_vacuum_insert_scale_factor')::float8 * tuples) AS vacuum,
    n_mod_since_analyze > current_setting('autovacuum_analyze_threshold')::float8
      + current_setting('autovacuum_analyze_scale_factor')::float8 * tuples AS analyze
  FROM t
  ORDER BY relname`

// Autovacuum's pace (its cost delay and limit, or the plain ones it falls back to at -1), so a
// sweep of a large table yields to the traffic as autovacuum's would.
const PACE = `
  SELECT set_config('vacuum_cost_delay', CASE WHEN current_setting('autovacuum_vacuum_cost_delay') = '-1'
      THEN current_setting('vacuum_cost_delay') ELSE current_setting('autovacuum_vacuum_cost_delay') END, false),
    set_config('vacuum_cost_limit', CASE WHEN current_setting('autovacuum_vacuum_cost_limit') = '-1'
      THEN current_setting('vacuum_cost_limit') ELSE current_setting('autovacuum_vacuum_cost_limit') END, false)`

const quoted = (name: string) => `"${name.replaceAll('"', '""')}"`

/**
 * Vacuums and analyzes on the server's behalf when its autovacuum is off (PostgreSQL's default is
 * on; some installs and CI machines turn it off). `SKIP_LOCKED`: a table another session holds
 * (a migration, a purge's lock) waits for the next round instead of holding this one up.
 */
export const make = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const tidy = Effect.gen(function* () {
    const [server] = yield* sql<{ on: boolean }>`SELECT current_setting('autovacuum') = 'on' AS on`
    if (server?.on !== false) return []
    const due = (yield* sql.unsafe<DueRow>(DUE)).filter((t) => t.vacuum || t.analyze)
    if (due.length === 0) return []
    return yield* Effect.scoped(
      Effect.gen(function* () {
        // VACUUM runs outside a transaction, on one connection paced as autovacuum is.
        const conn = yield* sql.reserve
        yield* conn.execute(PACE, [], undefined)
        yield* Effect.addFinalizer(() =>
          Effect.ignore(
            Effect.zipRight(
              conn.execute("RESET vacuum_cost_delay", [], undefined),
              conn.execute("RESET vacuum_cost_limit", [], undefined)
            )
          )
        )
        const done: Array<TableUpkeep> = []
        for (const t of due) {
          const statement = t.vacuum
            ? `VACUUM (SKIP_LOCKED${t.analyze ? ", ANALYZE" : ""}) ${quoted(t.relname)}`
            : `ANALYZE (SKIP_LOCKED) ${quoted(t.relname)}`
          yield* conn.execute(statement, [], undefined)
          done.push({ table: t.relname, vacuumed: t.vacuum, analyzed: t.analyze })
        }
        return done
      })
    )
  }).pipe(unavailable)
  return StoreUpkeep.of({ tidy })
})

export const layer = Layer.effect(StoreUpkeep, make)
