/** A UTC calendar day, `YYYY-MM-DD`. */
export type UsageDay = string

/** What a team did on one day, counted from its emails and their events (P17). */
export interface DailyUsage {
  readonly day: UsageDay
  /** Emails accepted with a live key: what limits count. */
  readonly accepted: number
  readonly sent: number
  readonly delivered: number
  readonly bounced: number
  /** The same for test-mode sends, counted but never billed nor held against a limit. */
  readonly test: {
    readonly accepted: number
    readonly sent: number
    readonly delivered: number
    readonly bounced: number
  }
}

/** Live emails accepted today and in the current billing month (UTC), what the limits compare. */
export interface UsageToDate {
  readonly today: number
  readonly month: number
}

export const dayOf = (at: Date): UsageDay => at.toISOString().slice(0, 10)

/** The billing month holding `at`: the calendar month in UTC, `[start, end)`. */
export const billingPeriodOf = (
  at: Date
): { readonly start: Date; readonly end: Date; readonly key: string } => {
  const start = new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), 1))
  const end = new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth() + 1, 1))
  return { start, end, key: start.toISOString().slice(0, 7) }
}

/** The period just before the one holding `at`. */
export const previousPeriodOf = (at: Date) =>
  billingPeriodOf(new Date(billingPeriodOf(at).start.getTime() - 1))

/** Every day of `[from, to]` with its usage, days without any as zeros, oldest first. */
export const fillDays = (
  from: Date,
  to: Date,
  known: ReadonlyArray<DailyUsage>
): ReadonlyArray<DailyUsage> => {
  const byDay = new Map(known.map((d) => [d.day, d]))
  const days: Array<DailyUsage> = []
  for (let t = Date.parse(dayOf(from)); t <= to.getTime(); t += 86_400_000) {
    const day = dayOf(new Date(t))
    days.push(
      byDay.get(day) ?? {
        day,
        accepted: 0,
        sent: 0,
        delivered: 0,
        bounced: 0,
        test: { accepted: 0, sent: 0, delivered: 0, bounced: 0 }
      }
    )
  }
  return days
}
