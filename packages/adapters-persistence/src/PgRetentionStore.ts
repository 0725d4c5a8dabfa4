import { SqlClient } from "@effect/sql"
import { RetentionStore } from "@poststack/application"
import type { TeamId } from "@poststack/domain"
import { Effect, Layer } from "effect"
import { bulkDeleteWal } from "./BulkDeleteWal.js"
import { unavailable } from "./SqlErrors.js"

/** Delivery states an email still waits in: such an email is kept past its retention until it settles. */
const LIVE = ["scheduled", "queued", "sending", "deferred"]

export const make = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient

  const removed = (batch: number) => (rows: ReadonlyArray<unknown>) => ({
    removed: rows.length,
    next: rows.length < batch ? null : 0,
    freedBlobs: []
  })

  const bulkDelete = bulkDeleteWal(sql)

  // A purge batch commits without waiting for its WAL to reach the disk: a batch a crash loses is
  // deleted again by the next pass, and the commits of the senders beside it (which do wait) no
  // longer queue behind one flush per batch. Its full page images are compressed where this role
  // may (`BulkDeleteWal`). Inbound mail keeps waiting: its files are deleted once the rows are,
  // and a lost commit would bring back rows whose files are gone.
  const lazyCommit = <A, E, R>(statement: Effect.Effect<A, E, R>) =>
    sql.withTransaction(bulkDelete({ lazyCommit: true }).pipe(Effect.zipRight(statement)))

  // Outbox events are the hottest table: no index on their time is kept (it would cost every send),
  // so they are read oldest id first through `events_team`, a window of `batch` ids at a time, and
  // the pass ends at the first window with nothing old enough in it. The rows of the window are
  // deleted by their physical address (a TID scan, no second walk of the primary key); nothing
  // points at an event any more (0073), so no trigger runs per row. A row updated meanwhile has
  // moved and is left for the next pass.
  const events = (teamId: TeamId, before: Date, batch: number, after: number) =>
    lazyCommit(sql<{ removed: number; scanned: number; last: string | null }>`
      WITH scanned AS (
        SELECT ctid, id, created_at FROM events WHERE team_id = ${teamId} AND id > ${after} ORDER BY id LIMIT ${batch}),
      gone AS (
        DELETE FROM events WHERE ctid = ANY (ARRAY(SELECT ctid FROM scanned WHERE created_at < ${before}))
        RETURNING 1)
      SELECT (SELECT count(*) FROM gone)::int AS removed, (SELECT count(*) FROM scanned)::int AS scanned,
        (SELECT max(id) FROM scanned)::text AS last`).pipe(
      Effect.map(([r]) => ({
        removed: r?.removed ?? 0,
        next:
          r === undefined || r.removed === 0 || r.scanned < batch || r.last === null ? null : Number(r.last),
        freedBlobs: []
      }))
    )

  // Deliveries, their events (opens and clicks too) and attachments go by foreign key; the stored
  // MIME is a column of the row.
  const emails = (teamId: TeamId, before: Date, batch: number) =>
    lazyCommit(sql`
    DELETE FROM emails WHERE id IN (
      SELECT e.id FROM emails e
      WHERE e.team_id = ${teamId} AND e.created_at < ${before}
        AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.email_id = e.id AND d.status IN ${sql.in(LIVE)})
      ORDER BY e.created_at
      LIMIT ${batch}
      FOR UPDATE SKIP LOCKED)
    RETURNING id`)

  const webhookDeliveries = (teamId: TeamId, before: Date, batch: number) =>
    lazyCommit(sql`
    DELETE FROM webhook_deliveries WHERE id IN (
      SELECT id FROM webhook_deliveries
      WHERE team_id = ${teamId} AND created_at < ${before} AND status <> 'sending'
      ORDER BY created_at
      LIMIT ${batch}
      FOR UPDATE SKIP LOCKED)
    RETURNING id`)

  // The raw message and its parts are shared by the rows of the message's other recipients (maybe
  // in another team, with another retention): a file is freed only when its last row goes.
  const inbound = (teamId: TeamId, before: Date, batch: number) =>
    sql.withTransaction(
      Effect.gen(function* () {
        yield* bulkDelete({ lazyCommit: false })
        const picked = yield* sql<{ id: string; raw_key: string }>`
          SELECT id, raw_key FROM inbound_emails
          WHERE team_id = ${teamId} AND created_at < ${before}
          ORDER BY created_at
          LIMIT ${batch}
          FOR UPDATE SKIP LOCKED`
        if (picked.length === 0) return { removed: 0, next: null, freedBlobs: [] }
        const ids = picked.map((r) => r.id)
        const parts = yield* sql<{ raw_key: string; blob_key: string }>`
          SELECT i.raw_key, a.blob_key FROM inbound_attachments a JOIN inbound_emails i ON i.id = a.inbound_email_id
          WHERE a.inbound_email_id IN ${sql.in(ids)}`
        yield* sql`DELETE FROM inbound_emails WHERE id IN ${sql.in(ids)}`
        const rawKeys = [...new Set(picked.map((r) => r.raw_key))]
        const kept = yield* sql<{ raw_key: string }>`
          SELECT DISTINCT raw_key FROM inbound_emails WHERE raw_key IN ${sql.in(rawKeys)}`
        const keptKeys = new Set(kept.map((r) => r.raw_key))
        const freed = new Set(rawKeys.filter((k) => !keptKeys.has(k)))
        const freedParts = parts.filter((p) => freed.has(p.raw_key)).map((p) => p.blob_key)
        return {
          removed: picked.length,
          next: picked.length < batch ? null : 0,
          freedBlobs: [...new Set([...freed, ...freedParts])]
        }
      })
    )

  return RetentionStore.of({
    teams: (afterTeam, limit) =>
      sql<{ id: number }>`SELECT id FROM teams WHERE id > ${afterTeam} ORDER BY id LIMIT ${limit}`.pipe(
        Effect.map((rows) => rows.map((r) => r.id as TeamId)),
        unavailable
      ),
    closedTeams: (closedBefore, limit) =>
      sql<{ id: number }>`
        SELECT id FROM teams WHERE closed_at < ${closedBefore} ORDER BY id LIMIT ${limit}`.pipe(
        Effect.map((rows) => rows.map((r) => r.id as TeamId)),
        unavailable
      ),
    removeClosedTeam: (teamId) =>
      sql`DELETE FROM teams WHERE id = ${teamId} AND closed_at IS NOT NULL`.pipe(Effect.asVoid, unavailable),
    purgeBefore: (teamId, kind, before, batch, after) => {
      switch (kind) {
        case "events":
          return events(teamId, before, batch, after).pipe(unavailable)
        case "emails":
          return emails(teamId, before, batch).pipe(Effect.map(removed(batch)), unavailable)
        case "webhookDeliveries":
          return webhookDeliveries(teamId, before, batch).pipe(Effect.map(removed(batch)), unavailable)
        case "inbound":
          return inbound(teamId, before, batch).pipe(unavailable)
      }
    },
    purgeExpiredSessions: (now, batch) =>
      sql`
        DELETE FROM sessions WHERE id IN (
          SELECT id FROM sessions WHERE expires_at < ${now} ORDER BY expires_at LIMIT ${batch})
        RETURNING id`.pipe(
        Effect.map((rows) => rows.length),
        unavailable
      )
  })
})

export const layer = Layer.effect(RetentionStore, make)
