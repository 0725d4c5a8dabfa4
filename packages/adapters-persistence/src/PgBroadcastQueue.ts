import { SqlClient, type Statement } from "@effect/sql"
import { randomUUID } from "node:crypto"
import { type BroadcastJob, BroadcastQueue, type ExpansionStep, type RenderFor } from "@poststack/application"
import {
  type Broadcast,
  isUnlimited,
  type Plan,
  quotaRefusal,
  quotaRoom,
  sampleSize,
  type SegmentAudienceOf,
  type TeamId,
  type TopicId,
  variantBounds
} from "@poststack/domain"
import { Effect, Layer } from "effect"
import { insertEmailEvents } from "./EmailEvents.js"
import { type BroadcastRow, broadcastSelect, toBroadcast } from "./PgBroadcastRows.js"
import { compileAudience } from "./PgSegmentCompiler.js"
import { notOptedOut } from "./PgTopicRepository.js"
import { lockedUsage } from "./PgUsageMeter.js"
import { unavailable } from "./SqlErrors.js"

interface Written {
  readonly email_id: string
  readonly public_id: string
  readonly recipient: string
  readonly contact_id: number
  readonly subject: string
  /** The recipient's place: in the A/B draw for the sample, in the batch otherwise. */
  readonly n: number
}

/**
 * Where a hold puts the deliveries it keeps back: past any retry schedule, so no claim takes them,
 * and a finite time (readers of `next_attempt_at` get a date). `unhold` makes them due again.
 */
const HELD_UNTIL = new Date("3000-01-01T00:00:00Z")

export const make = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const select = broadcastSelect(sql)

  const jobsOf = (rows: ReadonlyArray<BroadcastRow>) =>
    Effect.gen(function* () {
      if (rows.length === 0) return [] as ReadonlyArray<BroadcastJob>
      const variants = yield* sql<{
        id: number
        broadcast_id: number
        weight: number
        subject: string
        html_body: string | null
        text_body: string | null
      }>`
        SELECT id, broadcast_id, weight, subject, html_body, text_body FROM broadcast_variants
        WHERE broadcast_id = ANY(${rows.map((r) => r.id)}) ORDER BY broadcast_id, position`
      return rows.map(
        (row): BroadcastJob => ({
          broadcast: toBroadcast(row),
          variants: variants
            .filter((v) => v.broadcast_id === row.id)
            .map((v) => ({
              id: v.id,
              weight: v.weight,
              subject: v.subject,
              html: v.html_body,
              text: v.text_body
            }))
        })
      )
    })

  /**
   * Who the broadcast reaches among the team's contacts: the segment's audience minus unsubscribed
   * contacts, those who left the broadcast's topic, and addresses on the suppression list
   * (`after`: only contacts past this id).
   */
  const reachable = (b: Broadcast, audience: SegmentAudienceOf, after?: number) =>
    sql.and([
      sql`contacts.team_id = ${b.teamId}`,
      ...(after === undefined ? [] : [sql`contacts.id > ${after}`]),
      compileAudience(sql, b.teamId as TeamId, audience, after),
      sql`NOT contacts.unsubscribed`,
      ...(b.topicId === null ? [] : [notOptedOut(sql, b.topicId as TopicId, "contacts")]),
      sql`NOT EXISTS (SELECT 1 FROM suppressions s
        WHERE s.team_id = contacts.team_id AND lower(s.email) = lower(contacts.email))`
    ])

  const locked = (id: number) => sql<BroadcastRow>`${select} WHERE b.id = ${id} FOR UPDATE OF b`

  /** Where a batch's recipients come from: the audience with one variant, or the A/B draw. */
  type Source = { readonly fixed: number | null } | { readonly sample: true }

  /**
   * The next recipients this broadcast has not mailed, each with its variant: the audience's
   * contacts past the cursor in id order, or the sample's next places in the draw (the cursor is
   * then a place), each checked again against who the broadcast may reach now.
   *
   * A batch reads about its own size, whatever the audience: the contacts are walked in id order
   * from the cursor and the walk stops at the limit. The check against `broadcast_recipients` is
   * one primary-key probe per contact (`OFFSET 0` keeps PostgreSQL from turning it into an anti
   * join, which read every recipient written so far and every contact past the cursor for each
   * batch: 333 ms a batch half way through 100,000 contacts, 2 ms this way).
   */
  const pickedCte = (b: Broadcast, audience: SegmentAudienceOf, limit: number, source: Source) => {
    const notMailed = sql`NOT EXISTS (SELECT 1 FROM broadcast_recipients r
      WHERE r.broadcast_id = ${b.id} AND r.contact_id = contacts.id OFFSET 0)`
    const fields = sql`contacts.id AS contact_id, contacts.email, contacts.first_name, contacts.last_name, contacts.properties`
    if ("sample" in source)
      return sql`
      picked AS (
        SELECT ${fields}, s.position::bigint AS n, s.variant_id
        FROM broadcast_samples s JOIN contacts ON contacts.id = s.contact_id
        WHERE s.broadcast_id = ${b.id} AND s.position > ${b.cursor} AND ${reachable(b, audience)} AND ${notMailed}
        ORDER BY s.position
        LIMIT ${limit}
      )`
    return sql`
      picked AS (
        SELECT ${fields}, row_number() OVER (ORDER BY contacts.id) AS n, ${source.fixed}::integer AS variant_id
        FROM contacts
        WHERE ${reachable(b, audience, b.cursor)} AND ${notMailed}
        ORDER BY contacts.id
        LIMIT ${limit}
      )`
  }

  /**
   * Writes what `content` holds (contact_id, email, n, variant_id, public_id, subject, html_body,
   * text_body): each row an email with one queued delivery and a recipient row, in one statement.
   */
  const insertFrom = (b: Broadcast, ctes: Statement.Fragment) => sql<Written>`
      WITH ${ctes}, new_emails AS (
        INSERT INTO emails (public_id, team_id, api_key_id, domain_id, from_address, from_name, to_addresses, reply_to,
          subject, html_body, text_body, message_id, status, test_mode, unsubscribe_enabled, track_opens, track_clicks,
          topic_id, bulk, broadcast_id, broadcast_variant_id)
        SELECT c.public_id, br.team_id, br.api_key_id, d.id, br.from_address, br.from_name, ARRAY[c.email],
          CASE WHEN br.reply_to IS NULL THEN '{}'::text[] ELSE ARRAY[br.reply_to] END,
          c.subject, c.html_body, c.text_body, '<' || gen_random_uuid()::text || '@' || d.name || '>', 'queued',
          br.test_mode, true, d.open_tracking, d.click_tracking, br.topic_id, true, br.id, c.variant_id
        FROM content c
        JOIN broadcasts br ON br.id = ${b.id}
        JOIN domains d ON d.id = br.domain_id
        ORDER BY c.n
        RETURNING id, public_id
      ), new_deliveries AS (
        INSERT INTO deliveries (email_id, team_id, recipient, kind, status, bulk, test_mode)
        SELECT e.id, ${b.teamId}, c.email, 'to', 'queued', true, ${b.testMode}
        FROM new_emails e JOIN content c USING (public_id)
      ), new_recipients AS (
        INSERT INTO broadcast_recipients (broadcast_id, contact_id, variant_id, email_id)
        SELECT ${b.id}, c.contact_id, c.variant_id, e.id
        FROM new_emails e JOIN content c USING (public_id)
      )
      SELECT e.id::text AS email_id, e.public_id, c.email AS recipient, c.contact_id, c.subject, c.n::integer AS n
      FROM new_emails e JOIN content c USING (public_id)
      ORDER BY c.n`

  /**
   * One batch. The same content for every recipient of a variant: one `INSERT … SELECT` from the
   * audience. Content that reads the contact: the batch's contacts are read, each rendered here,
   * and written from the rendered rows, in the caller's transaction.
   */
  const writeBatch = (
    b: Broadcast,
    audience: SegmentAudienceOf,
    limit: number,
    source: Source,
    render: RenderFor | undefined
  ) =>
    Effect.gen(function* () {
      const picked = pickedCte(b, audience, limit, source)
      if (render === undefined)
        return yield* insertFrom(
          b,
          sql`${picked}, content AS (
            SELECT p.contact_id, p.email, p.n, p.variant_id,
              'em_' || replace(gen_random_uuid()::text, '-', '') AS public_id,
              coalesce(v.subject, br.subject) AS subject,
              CASE WHEN v.id IS NULL THEN br.html_body ELSE v.html_body END AS html_body,
              CASE WHEN v.id IS NULL THEN br.text_body ELSE v.text_body END AS text_body
            FROM picked p
            JOIN broadcasts br ON br.id = ${b.id}
            LEFT JOIN broadcast_variants v ON v.id = p.variant_id)`
        )
      const rows = yield* sql<{
        contact_id: number
        email: string
        first_name: string | null
        last_name: string | null
        properties: Record<string, unknown>
        n: string
        variant_id: number | null
      }>`WITH ${picked} SELECT contact_id, email, first_name, last_name, properties, n::text, variant_id FROM picked ORDER BY n`
      if (rows.length === 0) return []
      const rendered = rows.map((r) =>
        render(r.variant_id, {
          ...r.properties,
          email: r.email,
          first_name: r.first_name,
          last_name: r.last_name
        })
      )
      return yield* insertFrom(
        b,
        sql`content AS (
          SELECT * FROM unnest(
            ${rows.map((r) => r.contact_id)}::int[], ${rows.map((r) => r.email)}::text[],
            ${rows.map((r) => Number(r.n))}::int[], ${rows.map((r) => r.variant_id)}::int[],
            ${rows.map(() => `em_${randomUUID().replaceAll("-", "")}`)}::text[],
            ${rendered.map((x) => x.subject)}::text[], ${rendered.map((x) => x.html)}::text[],
            ${rendered.map((x) => x.text)}::text[]
          ) AS c(contact_id, email, n, variant_id, public_id, subject, html_body, text_body))`
      )
    })

  const queuedEvents = (b: Broadcast, rows: ReadonlyArray<Written>, at: Date) =>
    insertEmailEvents(
      sql,
      rows.map((r) => ({
        email: {
          id: r.email_id,
          teamId: b.teamId,
          publicId: r.public_id,
          fromAddress: b.from,
          fromName: b.fromName,
          to: [r.recipient],
          subject: r.subject,
          tags: [],
          testMode: b.testMode
        },
        deliveryId: null,
        detail: { type: "queued", metadata: {} },
        at
      }))
    )

  /**
   * How many recipients this step may write: the batch size, or less when a limited plan has less
   * room left (read under the team's admission lock, held to the commit that counts the batch).
   */
  const roomUnder = (b: Broadcast, plan: Plan | undefined, limit: number, now: Date) =>
    Effect.gen(function* () {
      if (plan === undefined || b.testMode || isUnlimited(plan)) return limit
      const usage = yield* lockedUsage(sql, b.teamId, now)
      const room = quotaRoom(plan, usage)
      if (room === null) return limit
      if (room > 0) return Math.min(limit, room)
      return {
        _tag: "OutOfQuota",
        refusal: quotaRefusal(plan, usage) === "monthly" ? "monthly" : "daily"
      } as const
    })

  return BroadcastQueue.of({
    claim: ({ limit, leaseMs }) =>
      Effect.gen(function* () {
        const ids = yield* sql<{ id: number }>`
          UPDATE broadcasts SET lease_until = now() + ${leaseMs} * interval '1 millisecond'
          WHERE id IN (
            SELECT id FROM broadcasts
            WHERE status IN ('queued', 'sending') AND due_at <= now()
              AND (lease_until IS NULL OR lease_until < now())
            ORDER BY due_at LIMIT ${limit}
            FOR UPDATE SKIP LOCKED)
          RETURNING id`
        if (ids.length === 0) return []
        return yield* jobsOf(yield* sql<BroadcastRow>`${select} WHERE b.id = ANY(${ids.map((r) => r.id)})`)
      }).pipe(unavailable),
    extend: (jobs, leaseMs) =>
      sql`UPDATE broadcasts SET lease_until = now() + ${leaseMs} * interval '1 millisecond'
        WHERE id = ANY(${jobs.map((j) => j.broadcast.id as number)}) AND status IN ('queued', 'sending')`.pipe(
        Effect.asVoid,
        unavailable
      ),
    release: (jobs) =>
      sql`UPDATE broadcasts SET lease_until = NULL WHERE id = ANY(${jobs.map((j) => j.broadcast.id as number)})`.pipe(
        Effect.asVoid,
        unavailable
      ),
    reach: (b, audience) =>
      sql<{ n: number }>`SELECT count(*)::int AS n FROM contacts WHERE ${reachable(b, audience)}`.pipe(
        Effect.map((rows) => rows[0]?.n ?? 0),
        unavailable
      ),
    start: (job, audience) =>
      Effect.gen(function* () {
        const b = job.broadcast
        const [counted] = yield* sql<{
          n: number
        }>`SELECT count(*)::int AS n FROM contacts WHERE ${reachable(b, audience)}`
        const audienceCount = counted?.n ?? 0
        const ab = b.abTest !== null && job.variants.length >= 2
        const target = ab
          ? sampleSize(audienceCount, b.abTest?.samplePercent ?? 20, job.variants.length)
          : null
        const started = yield* sql`
          UPDATE broadcasts SET status = 'sending', sent_at = coalesce(sent_at, now()),
            phase = ${ab ? "sample" : "rest"}, sample_target = ${target}, cursor_contact_id = 0, updated_at = now()
          WHERE id = ${b.id} AND status = 'queued' AND phase = 'idle'
          RETURNING id`
        // The draw: a random order over who the broadcast reaches, its first places the sample,
        // each place's variant by weight. Kept, so every batch and any resumed worker reads it.
        if (started.length > 0 && target !== null)
          yield* sql`
            INSERT INTO broadcast_samples (broadcast_id, position, contact_id, variant_id)
            SELECT ${b.id}, d.n, d.id,
              (SELECT v.id FROM unnest(${
                variantBounds(
                  job.variants.map((v) => v.weight),
                  target
                ) as Array<number>
              }::int[], ${job.variants.map((v) => v.id)}::int[]) AS v(bound, id)
               WHERE d.n - 1 < v.bound ORDER BY v.bound LIMIT 1)
            FROM (
              SELECT x.id, row_number() OVER (ORDER BY x.draw) AS n
              FROM (SELECT contacts.id, random() AS draw FROM contacts WHERE ${reachable(b, audience)}
                    ORDER BY draw LIMIT ${target}) x
            ) d`
        const [row] = yield* sql<BroadcastRow>`${select} WHERE b.id = ${b.id}`
        const [next] = yield* jobsOf(row === undefined ? [] : [row])
        return next ?? job
      }).pipe(sql.withTransaction, unavailable),
    step: (job, audience, { limit, render, plan }) =>
      Effect.gen(function* () {
        const [row] = yield* locked(job.broadcast.id)
        if (row === undefined || row.status !== "sending") return { _tag: "Stopped" } as ExpansionStep
        const b = toBroadcast(row)
        const now = new Date()
        const room = yield* roomUnder(b, plan, limit, now)
        if (typeof room !== "number") return room
        if (b.phase === "sample") {
          const written = yield* writeBatch(b, audience, room, { sample: true }, render)
          yield* queuedEvents(b, written, now)
          const full = written.length < room
          const windowEnd = new Date(
            (b.sentAt ?? now).getTime() + (b.abTest?.durationMinutes ?? 120) * 60_000
          )
          // Past the sample the cursor walks contact ids from the start: the rest is everyone the
          // draw left out (those it took are recipients already).
          yield* sql`UPDATE broadcasts SET
              ${full ? sql`phase = 'waiting', due_at = ${windowEnd}, cursor_contact_id = 0,` : sql`cursor_contact_id = ${written.at(-1)?.n ?? b.cursor},`}
              updated_at = now()
            WHERE id = ${b.id}`
          return (
            full ? { _tag: "PhaseDone" } : { _tag: "Batch", recipients: written.length }
          ) as ExpansionStep
        }
        if (b.phase === "rest") {
          const written = yield* writeBatch(b, audience, room, { fixed: b.winnerVariantId }, render)
          yield* queuedEvents(b, written, now)
          const cursor = written.at(-1)?.contact_id ?? b.cursor
          const done = written.length < room
          yield* sql`UPDATE broadcasts SET cursor_contact_id = ${cursor},
              ${done ? sql`phase = 'done', status = 'sent', due_at = NULL, lease_until = NULL,` : sql``}
              updated_at = now()
            WHERE id = ${b.id}`
          return (
            done ? { _tag: "PhaseDone" } : { _tag: "Batch", recipients: written.length }
          ) as ExpansionStep
        }
        return { _tag: "PhaseDone" } as ExpansionStep
      }).pipe(sql.withTransaction, unavailable),
    reload: (job) =>
      Effect.gen(function* () {
        const [row] = yield* sql<BroadcastRow>`${select} WHERE b.id = ${job.broadcast.id}`
        if (row === undefined) return null
        const [next] = yield* jobsOf([row])
        return next ?? null
      }).pipe(unavailable),
    hold: (job, recheckAt) =>
      sql`
        WITH held AS (
          UPDATE broadcasts SET mail_held = true, lease_until = NULL, due_at = ${recheckAt}, updated_at = now()
          WHERE id = ${job.broadcast.id} AND status IN ('queued', 'sending')
          RETURNING id
        )
        -- A recheck that finds the team still suspended rewrites nothing already held.
        UPDATE deliveries d SET next_attempt_at = ${HELD_UNTIL}
        FROM emails e, held
        WHERE e.broadcast_id = held.id AND d.email_id = e.id AND d.status IN ('queued', 'scheduled', 'deferred')
          AND d.next_attempt_at < ${HELD_UNTIL}`.pipe(Effect.asVoid, unavailable),
    unhold: (job) =>
      sql`
        WITH released AS (
          UPDATE broadcasts SET mail_held = false, updated_at = now()
          WHERE id = ${job.broadcast.id} AND mail_held
          RETURNING id
        )
        UPDATE deliveries d SET next_attempt_at = now()
        FROM emails e, released
        WHERE e.broadcast_id = released.id AND d.email_id = e.id
          AND d.status IN ('queued', 'scheduled', 'deferred') AND d.next_attempt_at >= ${HELD_UNTIL}`.pipe(
        Effect.asVoid,
        unavailable
      ),
    park: (job, at) =>
      sql`UPDATE broadcasts SET lease_until = NULL, due_at = ${at} WHERE id = ${job.broadcast.id}`.pipe(
        Effect.asVoid,
        unavailable
      )
  })
})

export const layer = Layer.effect(BroadcastQueue, make)
