import { SqlClient } from "@effect/sql"
import { UsageMeter } from "@poststack/application"
import { billingPeriodOf, type DailyUsage, dayOf, quotaRefusal, type UsageToDate } from "@poststack/domain"
import { Effect, Layer } from "effect"
import { unavailable } from "./SqlErrors.js"

/** The first key of the per-team advisory lock taken by admissions (the second is the team). */
const QUOTA_LOCK = 7_340_066

/**
 * In the caller's transaction: takes the team's admission lock, drops lapsed holds, and reads the
 * live emails accepted today and this month plus the places held, in one statement. Until the
 * transaction ends no other admission of the team counts, so what it writes is counted exactly.
 */
export const lockedUsage = (sql: SqlClient.SqlClient, teamId: number, now: Date) =>
  Effect.gen(function* () {
    yield* sql`SELECT pg_advisory_xact_lock(${QUOTA_LOCK}, ${teamId})`
    yield* sql`DELETE FROM quota_holds WHERE team_id = ${teamId} AND expires_at <= now()`
    const rows = yield* sql<{ today: string; month: string; held: string }>`
      SELECT coalesce(sum(count) FILTER (WHERE day = ${dayOf(now)}::date), 0) AS today,
             coalesce(sum(count), 0) AS month,
             (SELECT count(*) FROM quota_holds WHERE team_id = ${teamId}) AS held
      FROM usage_daily
      WHERE team_id = ${teamId} AND NOT test_mode AND metric = 'accepted'
        AND day >= ${dayOf(billingPeriodOf(now).start)}::date AND day <= ${dayOf(now)}::date`
    const held = Number(rows[0]?.held ?? 0)
    return {
      today: Number(rows[0]?.today ?? 0) + held,
      month: Number(rows[0]?.month ?? 0) + held
    } satisfies UsageToDate
  })
/** A hold its process never settled (it crashed) stops counting after this long. */
const HOLD_LIFETIME = "5 minutes"

type Metric = "accepted" | "sent" | "delivered" | "bounced"

export const make = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const toDate = (teamId: number, now: Date) =>
    sql<{ today: string; month: string }>`
      SELECT coalesce(sum(count) FILTER (WHERE day = ${dayOf(now)}::date), 0) AS today,
             coalesce(sum(count), 0) AS month
      FROM usage_daily
      WHERE team_id = ${teamId} AND NOT test_mode AND metric = 'accepted'
        AND day >= ${dayOf(billingPeriodOf(now).start)}::date AND day <= ${dayOf(now)}::date`.pipe(
      Effect.map((rows) => ({ today: Number(rows[0]?.today ?? 0), month: Number(rows[0]?.month ?? 0) })),
      unavailable
    )
  return UsageMeter.of({
    // Exact across server processes: admissions of one team take turns on a transaction-scoped
    // advisory lock (only limited plans come here), and each reads, in one statement, the emails
    // written plus the places held. A hold is deleted in the commit that writes its email (see
    // PgEmailRepository.accept), so no email is ever counted twice or not at all; waiting on the
    // lock costs a connection for one short transaction, never during the email's own commit.
    admit: (teamId, plan, now) =>
      sql
        .withTransaction(
          Effect.gen(function* () {
            const refusal = quotaRefusal(plan, yield* lockedUsage(sql, teamId, now))
            if (refusal !== null) return refusal
            const hold = yield* sql<{ id: string }>`
              INSERT INTO quota_holds (team_id, expires_at)
              VALUES (${teamId}, now() + ${HOLD_LIFETIME}::interval) RETURNING id`
            return { id: String(hold[0]?.id) }
          })
        )
        .pipe(unavailable),
    // Written or not, the place is given back; after a commit that wrote the email it is gone already.
    settle: (_teamId, hold) =>
      sql`DELETE FROM quota_holds WHERE id = ${hold.id}::bigint`.pipe(
        Effect.asVoid,
        Effect.catchAll((error) => Effect.logWarning("quota hold not released; it lapses on its own", error))
      ),
    toDate,
    daily: (teamId, from, to) =>
      sql<{ day: string; test_mode: boolean; metric: Metric; count: string }>`
        SELECT to_char(day, 'YYYY-MM-DD') AS day, test_mode, metric, sum(count) AS count FROM usage_daily
        WHERE team_id = ${teamId} AND day BETWEEN ${dayOf(from)}::date AND ${dayOf(to)}::date
        GROUP BY day, test_mode, metric
        ORDER BY day`.pipe(
        Effect.map((rows) => {
          const days = new Map<string, { -readonly [K in keyof DailyUsage]: DailyUsage[K] }>()
          for (const row of rows) {
            let day = days.get(row.day)
            if (day === undefined) {
              day = {
                day: row.day,
                accepted: 0,
                sent: 0,
                delivered: 0,
                bounced: 0,
                test: { accepted: 0, sent: 0, delivered: 0, bounced: 0 }
              }
              days.set(row.day, day)
            }
            if (row.test_mode) day.test = { ...day.test, [row.metric]: Number(row.count) }
            else day[row.metric] = Number(row.count)
          }
          return [...days.values()] as ReadonlyArray<DailyUsage>
        }),
        unavailable
      ),
    markOverageReported: (teamId, period, quantity) =>
      sql<{ team_id: number }>`
        INSERT INTO overage_reports (team_id, period, quantity) VALUES (${teamId}, ${period}, ${quantity})
        ON CONFLICT DO NOTHING RETURNING team_id`.pipe(
        Effect.map((rows) => rows.length > 0),
        unavailable
      ),
    unmarkOverageReported: (teamId, period) =>
      sql`DELETE FROM overage_reports WHERE team_id = ${teamId} AND period = ${period}`.pipe(
        Effect.asVoid,
        unavailable
      )
  })
})

export const layer = Layer.effect(UsageMeter, make)
