import { SqlClient } from "@effect/sql"
import { AuditLog } from "@poststack/application"
import {
  type ActorKind,
  type AuditAction,
  type AuditDetails,
  AuditEntry,
  type TeamId
} from "@poststack/domain"
import { Effect, Layer } from "effect"
import { actorColumns, actorFrom, purgeInBatches } from "./AuditRows.js"
import { unavailable } from "./SqlErrors.js"

interface Row {
  readonly id: string
  readonly team_id: number | null
  readonly action: AuditAction
  readonly actor_kind: ActorKind | null
  readonly actor_id: string | null
  readonly target_type: string | null
  readonly target_id: string | null
  readonly details: AuditDetails
  readonly address: string | null
  readonly user_agent: string | null
  readonly occurred_at: Date
}

const toEntry = (r: Row) =>
  AuditEntry.make(
    {
      id: String(r.id),
      teamId: r.team_id as TeamId | null,
      action: r.action,
      actor: actorFrom(r.actor_kind, r.actor_id),
      target: r.target_type === null ? null : { type: r.target_type, id: r.target_id ?? "" },
      details: r.details,
      address: r.address,
      userAgent: r.user_agent,
      at: r.occurred_at
    },
    { disableValidation: true }
  )

export const make = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  return AuditLog.of({
    record: (entry) => {
      const actor = actorColumns(entry.actor)
      return sql`
        INSERT INTO audit_log (team_id, action, actor_kind, actor_id, target_type, target_id, details, address, user_agent, occurred_at)
        VALUES (${entry.teamId}, ${entry.action}, ${actor.kind}, ${actor.id}, ${entry.target?.type ?? null},
          ${entry.target?.id ?? null}, ${JSON.stringify(entry.details)}::jsonb, ${entry.address}, ${entry.userAgent}, ${entry.at})`.pipe(
        Effect.asVoid,
        unavailable
      )
    },
    list: (teamId, filter, page, perPage) =>
      Effect.gen(function* () {
        const where = [sql`team_id = ${teamId}`]
        if (filter.actions !== undefined && filter.actions.length > 0)
          where.push(sql`action = ANY (${filter.actions})`)
        if (filter.actorKind !== undefined) where.push(sql`actor_kind = ${filter.actorKind}`)
        if (filter.actorId !== undefined) where.push(sql`actor_id = ${filter.actorId}`)
        if (filter.from !== undefined) where.push(sql`occurred_at >= ${filter.from}`)
        if (filter.to !== undefined) where.push(sql`occurred_at < ${filter.to}`)
        const condition = sql.and(where)
        const rows = yield* sql<Row>`
          SELECT id::text AS id, team_id, action, actor_kind, actor_id, target_type, target_id, details, address,
            user_agent, occurred_at
          FROM audit_log WHERE ${condition}
          ORDER BY occurred_at DESC, id DESC LIMIT ${perPage} OFFSET ${(page - 1) * perPage}`
        const counted = yield* sql<{ n: number }>`SELECT count(*)::int AS n FROM audit_log WHERE ${condition}`
        return { entries: rows.map(toEntry), total: counted[0]?.n ?? 0 }
      }).pipe(unavailable),
    aboutPerson: (userId, limit) =>
      sql<Row>`
        SELECT id::text AS id, team_id, action, actor_kind, actor_id, target_type, target_id, details, address,
          user_agent, occurred_at
        FROM audit_log
        WHERE (actor_kind = 'user' AND actor_id = ${userId}) OR (target_type = 'user' AND target_id = ${userId})
        ORDER BY occurred_at DESC, id DESC LIMIT ${limit}`.pipe(
        Effect.map((rows) => rows.map(toEntry)),
        unavailable
      ),
    purgeOlderThan: (cutoff, batch) =>
      purgeInBatches(
        sql`
          DELETE FROM audit_log WHERE id IN (
            SELECT id FROM audit_log WHERE occurred_at < ${cutoff} ORDER BY occurred_at LIMIT ${batch})
          RETURNING id`,
        batch
      ).pipe(unavailable)
  })
})

export const layer = Layer.effect(AuditLog, make)
