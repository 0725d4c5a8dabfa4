import { SqlClient } from "@effect/sql"
import { UsageMeter } from "@poststack/application"
import { billingPeriodOf, type DailyUsage, dayOf } from "@poststack/domain"
import { Effect, Layer } from "effect"
import { unavailable } from "./SqlErrors.js"
import { makeReservations } from "./UsageReservations.js"

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
  const reservations = makeReservations(toDate)
  return UsageMeter.of({
    admit: reservations.admit,
    settle: (teamId, accepted) => reservations.settle(teamId, accepted),
    toDate,
    daily: (teamId, from, to) =>
      sql<{ day: string; test_mode: boolean; metric: Metric; count: string }>`
        SELECT to_char(day, 'YYYY-MM-DD') AS day, test_mode, metric, count FROM usage_daily
        WHERE team_id = ${teamId} AND day BETWEEN ${dayOf(from)}::date AND ${dayOf(to)}::date
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
