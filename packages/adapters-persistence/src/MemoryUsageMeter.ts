import { UsageMeter } from "@poststack/application"
import { billingPeriodOf, type DailyUsage, dayOf, type TeamId } from "@poststack/domain"
import { Effect, Layer } from "effect"
import { makeReservations } from "./UsageReservations.js"

type Metric = "accepted" | "sent" | "delivered" | "bounced"

/**
 * The twin of `PgUsageMeter`. Where PostgreSQL counts from the rows written, this counts the
 * places settled as accepted (live) and what `count` is told (outcomes, test sends).
 */
export const make = Effect.sync(() => {
  const counts = new Map<string, number>()
  const reported = new Set<string>()
  const keyOf = (teamId: TeamId, day: string, test: boolean, metric: Metric) =>
    `${teamId}|${day}|${test}|${metric}`
  const add = (teamId: TeamId, at: Date, test: boolean, metric: Metric, n: number) => {
    const key = keyOf(teamId, dayOf(at), test, metric)
    counts.set(key, (counts.get(key) ?? 0) + n)
  }
  const toDate = (teamId: TeamId, now: Date) =>
    Effect.sync(() => {
      const today = dayOf(now)
      const start = dayOf(billingPeriodOf(now).start)
      let month = 0
      for (const [key, n] of counts) {
        const [team, day, test, metric] = key.split("|")
        if (
          team === String(teamId) &&
          test === "false" &&
          metric === "accepted" &&
          day !== undefined &&
          day >= start &&
          day <= today
        )
          month += n
      }
      return { today: counts.get(keyOf(teamId, today, false, "accepted")) ?? 0, month }
    })
  const reservations = makeReservations(toDate)
  const meter = UsageMeter.of({
    // One process holds all the state, so the in-process places are exact; a hold names nothing.
    admit: (teamId, plan, now) =>
      Effect.map(reservations.admit(teamId, plan, now), (refusal) => refusal ?? { id: "memory" }),
    settle: (teamId, _hold, accepted, now) =>
      Effect.zipRight(
        reservations.settle(teamId, accepted),
        Effect.sync(() => {
          if (accepted) add(teamId, now, false, "accepted", 1)
        })
      ),
    toDate,
    daily: (teamId, from, to) =>
      Effect.sync(() => {
        const days = new Map<string, { -readonly [K in keyof DailyUsage]: DailyUsage[K] }>()
        for (const [key, n] of counts) {
          const [team, day, test, metric] = key.split("|") as [string, string, string, Metric]
          if (team !== String(teamId) || day < dayOf(from) || day > dayOf(to)) continue
          const entry = days.get(day) ?? {
            day,
            accepted: 0,
            sent: 0,
            delivered: 0,
            bounced: 0,
            test: { accepted: 0, sent: 0, delivered: 0, bounced: 0 }
          }
          if (test === "true") entry.test = { ...entry.test, [metric]: n }
          else entry[metric] = n
          days.set(day, entry)
        }
        return [...days.values()].sort((a, b) => a.day.localeCompare(b.day))
      }),
    markOverageReported: (teamId, period) =>
      Effect.sync(() => {
        const key = `${teamId}|${period}`
        if (reported.has(key)) return false
        reported.add(key)
        return true
      }),
    unmarkOverageReported: (teamId, period) => Effect.sync(() => void reported.delete(`${teamId}|${period}`))
  })
  return { meter, count: add }
})

export const layer = Layer.effect(
  UsageMeter,
  Effect.map(make, (m) => m.meter)
)
