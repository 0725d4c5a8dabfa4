import { SqlClient } from "@effect/sql"
import {
  type BroadcastContent,
  type BroadcastRead,
  BroadcastRepository,
  type Guarded
} from "@poststack/application"
import { type Broadcast, newBroadcastPublicId, zeroCounters } from "@poststack/domain"
import { Effect, Layer, Option } from "effect"
import {
  type BroadcastRow,
  broadcastSelect,
  byVariant,
  countersOf,
  sumByBroadcast,
  toBroadcast,
  toVariant,
  type VariantRow
} from "./PgBroadcastRows.js"
import { unavailable } from "./SqlErrors.js"

const likePattern = (text: string) => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`

export const make = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const select = broadcastSelect(sql)

  /** Broadcasts with their variants and counters, in the order given. */
  const read = (rows: ReadonlyArray<BroadcastRow>) =>
    Effect.gen(function* () {
      if (rows.length === 0) return [] as ReadonlyArray<BroadcastRead>
      const ids = rows.map((r) => r.id)
      const variants = yield* sql<VariantRow>`
        SELECT id, broadcast_id, position, name, subject, html_body, text_body, weight
        FROM broadcast_variants WHERE broadcast_id = ANY(${ids}) ORDER BY broadcast_id, position`
      const counters = sumByBroadcast(yield* countersOf(sql, ids))
      return rows.map(
        (row): BroadcastRead => ({
          broadcast: toBroadcast(row),
          variants: variants.filter((v) => v.broadcast_id === row.id).map(toVariant),
          counters: counters.get(row.id) ?? zeroCounters
        })
      )
    })

  const byPublicId = (teamId: number, publicId: string, lock: boolean) =>
    sql<BroadcastRow>`${select} WHERE b.team_id = ${teamId} AND b.public_id = ${publicId}
      ${lock ? sql`FOR UPDATE OF b` : sql``}`

  const writeVariants = (broadcastId: number, content: BroadcastContent) =>
    Effect.gen(function* () {
      yield* sql`DELETE FROM broadcast_variants WHERE broadcast_id = ${broadcastId}`
      const variants = content.abTest?.variants ?? []
      if (variants.length === 0) return
      yield* sql`INSERT INTO broadcast_variants ${sql.insert(
        variants.map((v, position) => ({
          broadcast_id: broadcastId,
          position,
          name: v.name,
          subject: v.subject,
          html_body: v.html,
          text_body: v.text,
          weight: v.weight
        }))
      )}`
    })

  const contentColumns = (c: BroadcastContent) => ({
    name: c.name,
    subject: c.subject,
    html_body: c.html,
    text_body: c.text,
    from_address: c.from,
    from_name: c.fromName,
    reply_to: c.replyTo,
    domain_id: c.domainId,
    segment_id: c.segmentId,
    topic_id: c.topicId,
    ab_sample_percent: c.abTest?.samplePercent ?? null,
    ab_duration_minutes: c.abTest?.durationMinutes ?? null,
    ab_metric: c.abTest?.metric ?? null
  })

  /** Runs `write` on the locked row when `allowed` accepts it (its status, or what `check` reads of it). */
  const guarded = <A, E, E2 = never>(
    teamId: number,
    publicId: string,
    allowed:
      | ((status: Broadcast["status"]) => boolean)
      | { readonly check: (row: BroadcastRow) => Effect.Effect<boolean, E2> },
    write: (row: BroadcastRow) => Effect.Effect<A, E>
  ) =>
    Effect.gen(function* () {
      const [row] = yield* byPublicId(teamId, publicId, true)
      if (row === undefined) return { _tag: "NotFound" } as Guarded<A>
      const ok = typeof allowed === "function" ? allowed(row.status) : yield* allowed.check(row)
      if (!ok) return { _tag: "Refused", status: row.status } as Guarded<A>
      return { _tag: "Written", value: yield* write(row) } as Guarded<A>
    }).pipe(sql.withTransaction)

  const readOne = (teamId: number, publicId: string) =>
    Effect.flatMap(byPublicId(teamId, publicId, false), read).pipe(
      Effect.map((rows) => rows[0] as BroadcastRead)
    )

  return BroadcastRepository.of({
    create: (teamId, input) =>
      Effect.gen(function* () {
        const publicId = newBroadcastPublicId()
        const [row] = yield* sql<{ id: number }>`INSERT INTO broadcasts ${sql.insert({
          public_id: publicId,
          team_id: teamId,
          api_key_id: input.apiKeyId,
          test_mode: input.testMode,
          status: input.scheduledAt === null ? "draft" : "queued",
          scheduled_at: input.scheduledAt,
          due_at: input.scheduledAt,
          ...contentColumns(input)
        })} RETURNING id`
        yield* writeVariants((row as { id: number }).id, input)
        return publicId
      }).pipe(
        sql.withTransaction,
        Effect.flatMap((publicId) => readOne(teamId, publicId)),
        unavailable
      ),
    get: (teamId, id) =>
      Effect.flatMap(byPublicId(teamId, id, false), read).pipe(
        Effect.map((rows) => Option.fromNullable(rows[0])),
        unavailable
      ),
    list: (teamId, filter, page, perPage) =>
      Effect.gen(function* () {
        const where = sql.and([
          sql`b.team_id = ${teamId}`,
          ...(filter.search === undefined ? [] : [sql`b.subject ILIKE ${likePattern(filter.search)}`]),
          ...(filter.status === undefined ? [] : [sql`b.status = ${filter.status}`])
        ])
        const [count] = yield* sql<{ n: number }>`SELECT count(*)::int AS n FROM broadcasts b WHERE ${where}`
        const rows = yield* sql<BroadcastRow>`${select} WHERE ${where}
          ORDER BY b.created_at DESC, b.id DESC LIMIT ${perPage} OFFSET ${(page - 1) * perPage}`
        return { rows: yield* read(rows), total: count?.n ?? 0 }
      }).pipe(unavailable),
    bySegment: (teamId, segmentId) =>
      sql<BroadcastRow>`${select} WHERE b.team_id = ${teamId} AND b.segment_id = ${segmentId}
        ORDER BY b.created_at DESC, b.id DESC LIMIT 1000`.pipe(
        Effect.map((rows) => rows.map(toBroadcast)),
        unavailable
      ),
    sentSince: (teamId, since, limit) =>
      Effect.flatMap(
        sql<BroadcastRow>`${select} WHERE b.team_id = ${teamId} AND b.status IN ('sending', 'sent')
          ${since === null ? sql`` : sql`AND b.sent_at >= ${since}`}
          ORDER BY b.sent_at DESC NULLS LAST, b.id DESC LIMIT ${limit}`,
        read
      ).pipe(unavailable),
    update: (teamId, id, allowed, next) =>
      Effect.gen(function* () {
        const result = yield* guarded(teamId, id, allowed, (row) =>
          Effect.gen(function* () {
            const [current] = yield* read([row])
            const content = next(current as BroadcastRead)
            yield* sql`UPDATE broadcasts SET ${sql.update(contentColumns(content))}, updated_at = now()
              WHERE id = ${row.id}`
            yield* writeVariants(row.id, content)
          })
        )
        if (result._tag !== "Written") return result as Guarded<BroadcastRead>
        return { _tag: "Written", value: yield* readOne(teamId, id) } as Guarded<BroadcastRead>
      }).pipe(unavailable),
    queue: (teamId, id, allowed, at) =>
      guarded(teamId, id, allowed, (row) =>
        Effect.asVoid(sql`UPDATE broadcasts SET status = 'queued', due_at = ${at}, updated_at = now()
          WHERE id = ${row.id}`)
      ).pipe(unavailable),
    cancel: (teamId, id, allowed) =>
      guarded(
        teamId,
        id,
        {
          check: (row) =>
            // `sent` means handed to the delivery queue: what still waits there can be stopped.
            row.status !== "sent"
              ? Effect.succeed(allowed(row.status, false))
              : sql<{ waiting: boolean }>`
                SELECT EXISTS (SELECT 1 FROM emails e JOIN deliveries d ON d.email_id = e.id
                  WHERE e.broadcast_id = ${row.id} AND d.status IN ('queued', 'scheduled', 'deferred')) AS waiting`.pipe(
                  Effect.map((rows) => allowed(row.status, rows[0]?.waiting === true))
                )
        },
        (row) =>
          Effect.gen(function* () {
            // The row's lock holds off the worker's next batch (it locks the row too), so nothing
            // expanded after this statement escapes it.
            yield* sql`UPDATE broadcasts SET status = 'cancelled', due_at = NULL, lease_until = NULL, updated_at = now()
            WHERE id = ${row.id}`
            const cancelled = yield* sql<{ n: number }>`
            WITH stopped AS (
              UPDATE deliveries d SET status = 'cancelled'
              FROM emails e
              WHERE e.broadcast_id = ${row.id} AND d.email_id = e.id AND d.status IN ('queued', 'scheduled', 'deferred')
              RETURNING d.email_id
            ), emails_done AS (
              UPDATE emails SET status = 'cancelled' WHERE id IN (SELECT email_id FROM stopped)
            )
            SELECT count(*)::int AS n FROM stopped`
            return { cancelledDeliveries: cancelled[0]?.n ?? 0 }
          })
      ).pipe(unavailable),
    variantCounters: (broadcastId) => countersOf(sql, [broadcastId]).pipe(Effect.map(byVariant), unavailable),
    decideWinner: (broadcastId, winnerVariantId) =>
      sql<{ id: number }>`
        UPDATE broadcasts SET winner_variant_id = ${winnerVariantId}, phase = 'rest', due_at = now(), updated_at = now()
        WHERE id = ${broadcastId} AND winner_variant_id IS NULL AND status = 'sending'
          AND phase IN ('sample', 'waiting')
        RETURNING id`.pipe(
        Effect.map((rows) => rows.length > 0),
        unavailable
      ),
    engagementByHour: (broadcastId) =>
      sql<{ hour: Date; opened: number; clicked: number }>`
        SELECT date_trunc('hour', f.first_at) AS hour,
          count(*) FILTER (WHERE f.event_type = 'opened')::int AS opened,
          count(*) FILTER (WHERE f.event_type = 'clicked')::int AS clicked
        FROM (
          SELECT ev.email_id, ev.event_type, min(ev.created_at) AS first_at
          FROM emails e JOIN email_events ev ON ev.email_id = e.id
          WHERE e.broadcast_id = ${broadcastId} AND ev.event_type IN ('opened', 'clicked')
          GROUP BY ev.email_id, ev.event_type
        ) f
        GROUP BY 1 ORDER BY 1`.pipe(
        Effect.map((rows) =>
          rows.map((r) => ({ hour: new Date(r.hour), opened: r.opened, clicked: r.clicked }))
        ),
        unavailable
      ),
    unengaged: (broadcastId, event, limit) =>
      Effect.gen(function* () {
        const base = sql`
          FROM emails e
          JOIN deliveries d ON d.email_id = e.id AND d.status = 'delivered'
          JOIN broadcast_recipients r ON r.email_id = e.id AND r.broadcast_id = ${broadcastId}
          JOIN contacts c ON c.id = r.contact_id
          WHERE e.broadcast_id = ${broadcastId}
            AND NOT EXISTS (SELECT 1 FROM email_events ev WHERE ev.email_id = e.id AND ev.event_type = ${event})`
        const [count] = yield* sql<{ n: number }>`SELECT count(*)::int AS n ${base}`
        const rows = yield* sql<{
          id: string
          contact_id: number
          email: string
          first_name: string | null
          last_name: string | null
        }>`SELECT c.public_id AS id, c.id AS contact_id, c.email, c.first_name, c.last_name ${base}
          ORDER BY c.id LIMIT ${limit}`
        return {
          count: count?.n ?? 0,
          contacts: rows.map((r) => ({
            id: r.id,
            contactId: r.contact_id,
            email: r.email,
            firstName: r.first_name,
            lastName: r.last_name
          }))
        }
      }).pipe(unavailable)
  })
})

export const layer = Layer.effect(BroadcastRepository, make)
