import { SqlClient } from "@effect/sql"
import { DataSubjectStore, type ErasureStep } from "@poststack/application"
import { type ErasureStage, subjectPattern, type TeamId } from "@poststack/domain"
import { Effect, Layer } from "effect"
import { bulkDeleteWal } from "./BulkDeleteWal.js"
import { unavailable } from "./SqlErrors.js"

interface Scan {
  readonly removed: number
  readonly scanned: number
  readonly last: string | null
}

/** Email ranges of one erasure batch erased at once, each on its own connection: the cores of a small server. */
export const ERASE_PARALLEL = 2

export const make = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const bulkDelete = bulkDeleteWal(sql)

  // Tables whose rows carry the address inside JSON are read once, in id order, a batch at a time;
  // the cursor saved between batches is what makes an erasure resumable.
  const scanned =
    (batch: number) =>
    (rows: ReadonlyArray<Scan>): ErasureStep => {
      const r = rows[0]
      const done = r === undefined || r.scanned < batch || r.last === null
      return { removed: r?.removed ?? 0, cursor: done ? null : Number(r.last), freedBlobs: [] }
    }

  const webhookDeliveries = (teamId: TeamId, pattern: string, cursor: number, batch: number) =>
    sql<Scan>`
      WITH scanned AS (
        SELECT id, data, event_type FROM webhook_deliveries WHERE team_id = ${teamId} AND id > ${cursor}
        ORDER BY id LIMIT ${batch}),
      gone AS (
        DELETE FROM webhook_deliveries w USING scanned s
        WHERE w.id = s.id AND s.data::text ~* ${pattern}
        RETURNING w.id)
      SELECT (SELECT count(*) FROM gone)::int AS removed, (SELECT count(*) FROM scanned)::int AS scanned,
        (SELECT max(id) FROM scanned)::text AS last`.pipe(Effect.map(scanned(batch)))

  const events = (teamId: TeamId, pattern: string, cursor: number, batch: number) =>
    sql<Scan>`
      WITH scanned AS (
        SELECT id, payload FROM events WHERE team_id = ${teamId} AND id > ${cursor} ORDER BY id LIMIT ${batch}),
      gone AS (
        DELETE FROM events e USING scanned s WHERE e.id = s.id AND s.payload::text ~* ${pattern} RETURNING e.id)
      SELECT (SELECT count(*) FROM gone)::int AS removed, (SELECT count(*) FROM scanned)::int AS scanned,
        (SELECT max(id) FROM scanned)::text AS last`.pipe(Effect.map(scanned(batch)))

  // Every recipient of an email (to, cc, bcc) has a delivery: the recipient index, read in email
  // order from the cursor, finds the emails, and each goes whole: the subject's deliveries by their
  // physical address (no second index walk), then the emails, whose statement trigger (0073) takes
  // their other deliveries, events, attachments and suppression links in one join each.
  //
  // A batch is cut at an email boundary into `ERASE_PARALLEL` ranges of email ids, each erased by
  // its own statement on its own connection at once: the work is CPU in the backend, one core per
  // statement. Each range finds and deletes its rows in one statement, so the physical addresses
  // it deletes by are those it read. A range that commits while another fails is simply gone: the
  // job resumes from the saved cursor, and ranges already erased find nothing again. A range's
  // commit does not wait for the disk: the job's progress, saved after the batch, waits for its
  // own commit record, which the WAL holds after the ranges' (it is flushed in order), so a crash
  // can lose only ranges whose batch the job has not counted yet, and it erases them again.
  const emailRange = (teamId: TeamId, address: string, after: number, upTo: number) =>
    sql.withTransaction(
      bulkDelete({ lazyCommit: true }).pipe(
        Effect.zipRight(sql<{ removed: number }>`
          WITH picked AS (
            SELECT ctid, email_id FROM deliveries
            WHERE team_id = ${teamId} AND lower(recipient) = ${address} AND email_id > ${after} AND email_id <= ${upTo}),
          dropped AS (DELETE FROM deliveries WHERE ctid = ANY (ARRAY(SELECT ctid FROM picked))),
          gone AS (
            DELETE FROM emails WHERE team_id = ${teamId} AND id = ANY (ARRAY(SELECT DISTINCT email_id FROM picked))
            RETURNING id)
          SELECT count(*)::int AS removed FROM gone`),
        Effect.map(([r]) => r?.removed ?? 0)
      )
    )

  const emails = (teamId: TeamId, address: string, cursor: number, batch: number) =>
    Effect.gen(function* () {
      const ids = (yield* sql<{ email_id: string | number }>`
        SELECT email_id FROM deliveries
        WHERE team_id = ${teamId} AND lower(recipient) = ${address} AND email_id > ${cursor}
        ORDER BY email_id LIMIT ${batch}`).map((r) => Number(r.email_id))
      const last = ids.at(-1)
      if (last === undefined) return { removed: 0, cursor: null, freedBlobs: [] } satisfies ErasureStep
      // Upper bounds of the ranges, each at an email's last delivery to the subject (a subject in
      // both "to" and "cc" of one email has two), so that no email is split between two ranges.
      const bounds: Array<number> = []
      for (let k = 1; k < ERASE_PARALLEL; k++) {
        const bound = ids[Math.floor((ids.length * k) / ERASE_PARALLEL) - 1]
        if (bound !== undefined && bound !== last && bound !== bounds.at(-1)) bounds.push(bound)
      }
      bounds.push(last)
      const removed = yield* Effect.forEach(
        bounds,
        (upTo, i) => emailRange(teamId, address, i === 0 ? cursor : (bounds[i - 1] ?? cursor), upTo),
        { concurrency: "unbounded" }
      )
      return {
        removed: removed.reduce((a, b) => a + b, 0),
        cursor: ids.length < batch ? null : last,
        freedBlobs: []
      } satisfies ErasureStep
    })

  const inbound = (teamId: TeamId, pattern: string, cursor: number, batch: number) =>
    sql.withTransaction(
      Effect.gen(function* () {
        const rows = yield* sql<{ id: string; raw_key: string; hit: boolean }>`
          SELECT id, raw_key,
            concat_ws(' ', from_address, to_address, envelope_from, array_to_string(envelope_to, ' '),
              to_addresses::text, cc_addresses::text) ~* ${pattern} AS hit
          FROM inbound_emails WHERE team_id = ${teamId} AND id > ${cursor}
          ORDER BY id LIMIT ${batch}
          FOR UPDATE`
        const hits = rows.filter((r) => r.hit)
        const last = rows.at(-1)
        const cursorNext = rows.length < batch || last === undefined ? null : Number(last.id)
        if (hits.length === 0) return { removed: 0, cursor: cursorNext, freedBlobs: [] }
        const ids = hits.map((r) => r.id)
        const parts = yield* sql<{ raw_key: string; blob_key: string }>`
          SELECT i.raw_key, a.blob_key FROM inbound_attachments a JOIN inbound_emails i ON i.id = a.inbound_email_id
          WHERE a.inbound_email_id IN ${sql.in(ids)}`
        yield* sql`DELETE FROM inbound_emails WHERE id IN ${sql.in(ids)}`
        const rawKeys = [...new Set(hits.map((r) => r.raw_key))]
        const kept = yield* sql<{ raw_key: string }>`
          SELECT DISTINCT raw_key FROM inbound_emails WHERE raw_key IN ${sql.in(rawKeys)}`
        const keptKeys = new Set(kept.map((r) => r.raw_key))
        const freed = new Set(rawKeys.filter((k) => !keptKeys.has(k)))
        const freedParts = parts.filter((p) => freed.has(p.raw_key)).map((p) => p.blob_key)
        return {
          removed: hits.length,
          cursor: cursorNext,
          freedBlobs: [...new Set([...freed, ...freedParts])]
        }
      })
    )

  // Property values and topic choices are columns of the contact's row: they go with it.
  const contacts = (teamId: TeamId, address: string) =>
    sql<{
      id: number
    }>`DELETE FROM contacts WHERE team_id = ${teamId} AND lower(email) = ${address} RETURNING id`.pipe(
      Effect.map((rows): ErasureStep => ({ removed: rows.length, cursor: null, freedBlobs: [] }))
    )

  const eraseStep = (teamId: TeamId, address: string, stage: ErasureStage, cursor: number, batch: number) => {
    const pattern = subjectPattern(address)
    switch (stage) {
      case "webhookDeliveries":
        return webhookDeliveries(teamId, pattern, cursor, batch)
      case "events":
        return events(teamId, pattern, cursor, batch)
      case "emails":
        return emails(teamId, address, cursor, batch)
      case "inbound":
        return inbound(teamId, pattern, cursor, batch)
      case "contacts":
        return contacts(teamId, address)
    }
  }

  const exportSubject = (teamId: TeamId, address: string) =>
    Effect.gen(function* () {
      const pattern = subjectPattern(address)
      const emails = yield* sql`
        SELECT e.public_id AS id, e.created_at, e.from_address, e.subject, e.status,
          (SELECT coalesce(jsonb_agg(jsonb_build_object('recipient', d.recipient, 'kind', d.kind, 'status', d.status,
             'deliveredAt', d.delivered_at, 'events',
             (SELECT coalesce(jsonb_agg(jsonb_build_object('type', v.event_type, 'at', v.created_at, 'metadata', v.metadata)
                ORDER BY v.id), '[]'::jsonb) FROM email_events v WHERE v.delivery_id = d.id))), '[]'::jsonb)
           FROM deliveries d WHERE d.email_id = e.id AND lower(d.recipient) = ${address}) AS deliveries
        FROM emails e
        WHERE e.team_id = ${teamId}
          AND e.id IN (SELECT email_id FROM deliveries WHERE team_id = ${teamId} AND lower(recipient) = ${address})
        ORDER BY e.id`
      const events = yield* sql`
        SELECT public_id AS id, type, payload, created_at FROM events
        WHERE team_id = ${teamId} AND payload::text ~* ${pattern} ORDER BY id`
      const contacts = yield* sql`
        SELECT public_id AS id, email, first_name, last_name, unsubscribed, unsubscribed_at, properties, created_at,
          updated_at
        FROM contacts WHERE team_id = ${teamId} AND lower(email) = ${address}`
      const inbound = yield* sql`
        SELECT id::text, from_address, from_name, to_address, to_addresses, cc_addresses, envelope_from, envelope_to,
          subject, created_at
        FROM inbound_emails
        WHERE team_id = ${teamId} AND concat_ws(' ', from_address, to_address, envelope_from,
          array_to_string(envelope_to, ' '), to_addresses::text, cc_addresses::text) ~* ${pattern}
        ORDER BY id`
      const webhookDeliveries = yield* sql`
        SELECT event_public_id AS event_id, event_type, data, status, created_at FROM webhook_deliveries
        WHERE team_id = ${teamId} AND data::text ~* ${pattern} ORDER BY id`
      const suppressions = yield* sql`
        SELECT email, reason, created_at FROM suppressions WHERE team_id = ${teamId} AND lower(email) = ${address}`
      return { emails, events, contacts, inbound, webhookDeliveries, suppressions }
    })

  return DataSubjectStore.of({
    exportSubject: (teamId, address) => exportSubject(teamId, address).pipe(unavailable),
    eraseStep: (teamId, address, stage, cursor, batch) =>
      eraseStep(teamId, address, stage, cursor, batch).pipe(unavailable)
  })
})

export const layer = Layer.effect(DataSubjectStore, make)
