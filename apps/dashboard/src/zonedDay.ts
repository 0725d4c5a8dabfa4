/** What `timeZone`'s wall clock reads at the instant `t`, as if those figures were UTC. */
const wallClock = (t: number, timeZone: string) => {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone,
    hourCycle: "h23",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit"
  }).formatToParts(new Date(t))
  const part = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0)
  return Date.UTC(part("year"), part("month") - 1, part("day"), part("hour"), part("minute"), part("second"))
}

/** The instant a `YYYY-MM-DD` day's midnight happens in `timeZone` (daylight saving included). */
const midnight = (year: number, month: number, day: number, timeZone: string) => {
  const target = Date.UTC(year, month - 1, day)
  // Two passes: the zone's offset near the guess, then at the corrected instant (a DST change).
  let t = target - (wallClock(target, timeZone) - target)
  t = target - (wallClock(t, timeZone) - t)
  return t
}

const parse = (day: string) => {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day)
  return match === null ? undefined : ([Number(match[1]), Number(match[2]), Number(match[3])] as const)
}

/**
 * A date field's day (`YYYY-MM-DD`), read in the person's time zone, as the instant it starts or
 * (`end`) the last millisecond before the next day starts; `undefined` for an empty field.
 */
export const zonedDay = (day: string, timeZone: string, end: "start" | "end"): Date | undefined => {
  const parsed = parse(day)
  if (parsed === undefined) return undefined
  const [year, month, date] = parsed
  return end === "start"
    ? new Date(midnight(year, month, date, timeZone))
    : new Date(midnight(year, month, date + 1, timeZone) - 1)
}
