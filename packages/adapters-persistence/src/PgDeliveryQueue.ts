import { SqlClient } from "@effect/sql"
import { type DeliveryResult, DeliveryQueue } from "@poststack/application"
import {
  aggregateStatus,
  ClaimedDelivery,
  DeliveryId,
  DeliveryStatus,
  DomainId,
  EMAIL_STATUS_PRECEDENCE,
  EmailId,
  storableText,
  SuppressionReason,
  TeamId
} from "@poststack/domain"
import { Array as Arr, Clock, Effect, Layer, Schema } from "effect"
import {
  EVENT_EMAIL_COLUMNS,
  type EventEmail,
  EventEmailColumns,
  encodedEmailEvent,
  eventEmail
} from "./EmailEvents.js"
import { groupCommit } from "./GroupCommit.js"
import { BigIntId, decodeRows } from "./PgRows.js"
import { unavailable } from "./SqlErrors.js"

/**
 * A claimed `deliveries` row as the claim returns it, bigint ids as text, with its email as its
 * events name it (`EVENT_EMAIL_COLUMNS`).
 */
const ClaimRow = Schema.Struct({
  id: BigIntId(DeliveryId),
  bulk: Schema.Boolean,
  emailId: BigIntId(EmailId),
  emailPublicId: Schema.String,
  teamId: TeamId,
  domainId: DomainId,
  recipient: Schema.String,
  attempts: Schema.Int,
  testMode: Schema.Boolean,
  firstQueuedAt: Schema.DateFromSelf,
  status: DeliveryStatus,
  leaseUntil: Schema.DateFromSelf,
  suppressionId: Schema.NullOr(Schema.Int),
  suppressionReason: Schema.NullOr(SuppressionReason),
  system: Schema.Boolean,
  ...EventEmailColumns.fields
})

const claimRows = decodeRows("deliveries", ClaimRow)

/** A delivery's email as its events name it, read when its outcome is recorded. */
const deliveryEmailRows = decodeRows(
  "deliveries",
  Schema.Struct({ deliveryId: BigIntId(DeliveryId), ...EventEmailColumns.fields })
)

/**
 * JSON whose strings PostgreSQL can store. Replies and diagnostics come from remote servers, which
 * may put NUL or broken UTF-8 (a lone surrogate once decoded) in them: one such outcome would fail
 * its whole call, then be retried alone for ever. Their text is kept, made storable.
 */
const storableJson = (value: unknown) =>
  JSON.stringify(value, (_key, v: unknown) => (typeof v === "string" ? storableText(v) : v))

/** The most outcomes written by one call. */
const MAX_RECORD_BATCH = 200

export const make = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const eventColumns = sql.literal(EVENT_EMAIL_COLUMNS)
  // Each claim's email as its events name it, read by the claim itself (no query more per outcome);
  // weakly held, so a claim the worker drops takes its entry with it.
  const claimedEmails = new WeakMap<Pick<ClaimedDelivery, "id" | "attempts">, EventEmail>()
  const record = yield* groupCommit(
    (batch: ReadonlyArray<{ claim: Pick<ClaimedDelivery, "id" | "attempts">; result: DeliveryResult }>) =>
      Effect.gen(function* () {
        // The emails the events are about, so that they are encoded here and stored as they are: as
        // the claim read them, or read now for a claim this process did not hand out.
        const unknown = batch
          .filter(({ claim, result }) => result.events.length > 0 && !claimedEmails.has(claim))
          .map(({ claim }) => claim.id)
        const emails =
          unknown.length === 0
            ? []
            : yield* sql`
                SELECT d.id AS "deliveryId", ${eventColumns}
                FROM deliveries d JOIN emails e ON e.id = d.email_id WHERE d.id = ANY (${unknown}::bigint[])`.pipe(
                Effect.flatMap(deliveryEmailRows)
              )
        const readNow = new Map<number, EventEmail>(emails.map((row) => [row.deliveryId, eventEmail(row)]))
        const emailOf = (claim: Pick<ClaimedDelivery, "id" | "attempts">) =>
          claimedEmails.get(claim) ?? readNow.get(claim.id)
        const at = new Date(yield* Clock.currentTimeMillis)
        yield* sql`SELECT record_deliveries(${storableJson(
          batch.map(({ claim, result }) => {
            const email = emailOf(claim)
            return {
              id: claim.id,
              attempts: claim.attempts,
              status: result.status,
              reply: result.reply,
              mx: result.mx,
              next_attempt_at: result.nextAttemptAt,
              // A delivery whose email is gone records no events.
              events:
                email === undefined
                  ? []
                  : result.events.map((detail) => encodedEmailEvent(email, detail, at)),
              suppress_team: result.suppress?.teamId ?? null,
              suppress_address: result.suppress?.address ?? null,
              suppress_reason: result.suppress?.reason ?? null
            }
          })
        )}::jsonb, ${EMAIL_STATUS_PRECEDENCE}, ${aggregateStatus([])})`
        return batch.map(() => undefined)
      }).pipe(unavailable),
    MAX_RECORD_BATCH
  )
  // Where this process's next claim starts its turn over the teams with bulk mail due (one per
  // mode): after the last team its previous claim took bulk mail from.
  const afterTeam = [0, 0]
  const turnAfter = (testMode: boolean, rows: ReadonlyArray<{ bulk: boolean; teamId: number }>) => {
    const after = afterTeam[testMode ? 1 : 0] ?? 0
    const teams = rows.filter((row) => row.bulk).map((row) => row.teamId)
    if (teams.length === 0) return
    // Teams are taken in turn from the one after `after`, wrapping round: the last one served is
    // the highest at or below `after` if the turn wrapped, else the highest of all.
    const wrapped = teams.filter((team) => team <= after)
    afterTeam[testMode ? 1 : 0] = Math.max(...(wrapped.length > 0 ? wrapped : teams))
  }
  return DeliveryQueue.of({
    claim: ({ now, limit, leaseMs, testMode }) =>
      sql`
        UPDATE deliveries d SET status = 'sending', attempts = d.attempts + 1,
          lease_until = ${new Date(now.getTime() + leaseMs)}
        FROM emails e, deliveries this
          -- Whether the recipient is suppressed now (an unsubscribe before a scheduled send, a
          -- complaint during retries): asked in the claim, so delivering needs no query of its own.
          LEFT JOIN suppressions s ON s.team_id = this.team_id AND lower(s.email) = lower(this.recipient)
        -- What is due, chosen and locked in order (lapsed leases, transactional mail, then bulk
        -- mail shared between teams within their hourly rates; see migration 0054), as an array:
        -- the planner would scan the whole table for the few rows of a join.
        WHERE d.id = ANY ((SELECT claim_delivery_ids(${now}, ${limit}, ${testMode}, ${afterTeam[testMode ? 1 : 0]}))::bigint[])
          AND e.id = d.email_id AND this.id = d.id
        RETURNING d.id, d.bulk, d.email_id AS "emailId", e.public_id AS "emailPublicId", d.team_id AS "teamId",
          e.domain_id AS "domainId", d.recipient, d.attempts, e.test_mode AS "testMode",
          d.created_at AS "firstQueuedAt", d.status, d.lease_until AS "leaseUntil", s.id AS "suppressionId",
          s.reason AS "suppressionReason", e.system, ${eventColumns}`.pipe(
        Effect.flatMap(claimRows),
        Effect.tap((rows) => Effect.sync(() => turnAfter(testMode, rows))),
        Effect.map(
          Arr.map((row) => {
            const { suppressionId, suppressionReason } = row
            const claimed = new ClaimedDelivery(
              {
                id: row.id,
                emailId: row.emailId,
                emailPublicId: row.emailPublicId,
                teamId: row.teamId,
                domainId: row.domainId,
                recipient: row.recipient,
                attempts: row.attempts,
                testMode: row.testMode,
                firstQueuedAt: row.firstQueuedAt,
                status: row.status,
                leaseUntil: row.leaseUntil,
                system: row.system,
                bulk: row.bulk,
                suppressedBy:
                  suppressionId === null || suppressionReason === null || row.system
                    ? null
                    : { id: suppressionId, reason: suppressionReason }
              },
              true
            )
            claimedEmails.set(claimed, eventEmail(row))
            return claimed
          })
        ),
        unavailable
      ),
    extend: ({ claims, now, leaseMs }) =>
      claims.length === 0
        ? Effect.void
        : sql`
            UPDATE deliveries d SET lease_until = ${new Date(now.getTime() + leaseMs)}
            FROM unnest(${claims.map((c) => c.id)}::bigint[], ${claims.map((c) => c.attempts)}::int[])
              AS held(id, attempts)
            WHERE d.id = held.id AND d.attempts = held.attempts AND d.status = 'sending'`.pipe(
            Effect.asVoid,
            unavailable
          ),
    // Outcomes recorded at the same moment are written together (see GroupCommit).
    record: (claim, result) => record({ claim, result })
  })
})

export const layer = Layer.scoped(DeliveryQueue, make)
