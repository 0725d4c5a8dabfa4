import { SqlClient } from "@effect/sql"
import { type PrivacyJob, PrivacyJobQueue } from "@poststack/application"
import type { ErasureProgress, PrivacyJobKind, PrivacyJobStatus, TeamId } from "@poststack/domain"
import { Effect, Layer, Option } from "effect"
import { unavailable } from "./SqlErrors.js"

interface Row {
  readonly id: string
  readonly team_id: number
  readonly kind: PrivacyJobKind
  readonly address: string | null
  readonly status: PrivacyJobStatus
  readonly progress: ErasureProgress | null
  readonly result: unknown
  readonly requested_by: string | null
  readonly created_at: Date
  readonly finished_at: Date | null
}

const toJob = (r: Row): PrivacyJob => ({
  id: r.id,
  teamId: r.team_id as TeamId,
  kind: r.kind,
  address: r.address,
  status: r.status,
  progress: r.progress,
  result: r.result,
  requestedBy: r.requested_by,
  createdAt: r.created_at,
  finishedAt: r.finished_at
})

const COLUMNS = "id, team_id, kind, address, status, progress, result, requested_by, created_at, finished_at"

export const make = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  return PrivacyJobQueue.of({
    enqueue: ({ teamId, kind, address, requestedBy }) =>
      sql<Row>`
        INSERT INTO privacy_jobs (id, team_id, kind, address, address_hash, requested_by)
        VALUES ('prj_' || substr(replace(gen_random_uuid()::text, '-', ''), 1, 24), ${teamId}, ${kind}, ${address},
          encode(sha256(convert_to(${address}, 'UTF8')), 'hex'), ${requestedBy})
        RETURNING ${sql.literal(COLUMNS)}`.pipe(
        Effect.map((rows) => toJob(rows[0] as Row)),
        unavailable
      ),
    find: (teamId, id) =>
      sql<Row>`SELECT ${sql.literal(COLUMNS)} FROM privacy_jobs WHERE team_id = ${teamId} AND id = ${id}`.pipe(
        Effect.map((rows) => Option.map(Option.fromNullable(rows[0]), toJob)),
        unavailable
      ),
    claim: ({ limit, leaseMs, id }) =>
      sql<Row>`
        UPDATE privacy_jobs SET status = 'running', attempts = attempts + 1,
          lease_until = now() + ${leaseMs} * interval '1 millisecond'
        WHERE id IN (
          SELECT id FROM privacy_jobs
          WHERE (status = 'pending' OR (status = 'running' AND lease_until < now()))
            AND (${id ?? null}::text IS NULL OR id = ${id ?? null})
          ORDER BY created_at
          LIMIT ${limit}
          FOR UPDATE SKIP LOCKED)
        RETURNING ${sql.literal(COLUMNS)}`.pipe(
        Effect.map((rows) => rows.map(toJob)),
        unavailable
      ),
    extend: (jobs, leaseMs) =>
      jobs.length === 0
        ? Effect.void
        : sql`
            UPDATE privacy_jobs SET lease_until = now() + ${leaseMs} * interval '1 millisecond'
            WHERE id IN ${sql.in(jobs.map((j) => j.id))} AND status = 'running'`.pipe(
            Effect.asVoid,
            unavailable
          ),
    release: (jobs) =>
      jobs.length === 0
        ? Effect.void
        : sql`
            UPDATE privacy_jobs SET status = 'pending', lease_until = NULL
            WHERE id IN ${sql.in(jobs.map((j) => j.id))} AND status = 'running'`.pipe(
            Effect.asVoid,
            unavailable
          ),
    saveProgress: (id, progress) =>
      sql`UPDATE privacy_jobs SET progress = ${JSON.stringify(progress)}::jsonb WHERE id = ${id}`.pipe(
        Effect.asVoid,
        unavailable
      ),
    finish: (id, result) =>
      sql
        .withTransaction(
          Effect.gen(function* () {
            const done = yield* sql<{ kind: PrivacyJobKind; team_id: number; address_hash: string }>`
              UPDATE privacy_jobs SET status = 'done', lease_until = NULL, finished_at = now(),
                result = ${JSON.stringify(result)}::jsonb,
                address = CASE WHEN kind = 'erase' THEN NULL ELSE address END
              WHERE id = ${id}
              RETURNING kind, team_id, address_hash`
            const job = done[0]
            // An erased subject's exports would keep everything the erasure removed.
            if (job?.kind === "erase")
              yield* sql`
                UPDATE privacy_jobs SET address = NULL, result = NULL
                WHERE team_id = ${job.team_id} AND address_hash = ${job.address_hash} AND kind = 'export'`
          })
        )
        .pipe(unavailable)
  })
})

export const layer = Layer.effect(PrivacyJobQueue, make)
