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

/** The instant `timeZone`'s wall clock reads the given figures (daylight saving included). */
const instantOf = (
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  timeZone: string
) => {
  const target = Date.UTC(year, month - 1, day, hour, minute)
  // Two passes: the zone's offset near the guess, then at the corrected instant (a DST change).
  let t = target - (wallClock(target, timeZone) - target)
  t = target - (wallClock(t, timeZone) - t)
  return t
}

/** The instant a `YYYY-MM-DD` day's midnight happens in `timeZone`. */
const midnight = (year: number, month: number, day: number, timeZone: string) =>
  instantOf(year, month, day, 0, 0, timeZone)

/** Whether the figures name a day of the calendar (not 2020-13-45, which `Date.UTC` would roll on). */
const isDay = (year: number, month: number, day: number) => {
  const d = new Date(Date.UTC(year, month - 1, day))
  return d.getUTCFullYear() === year && d.getUTCMonth() === month - 1 && d.getUTCDate() === day
}

const parse = (day: string) => {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day)
  if (match === null) return undefined
  const figures = [Number(match[1]), Number(match[2]), Number(match[3])] as const
  return isDay(...figures) ? figures : undefined
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

/**
 * A `datetime-local` field's value (`YYYY-MM-DDTHH:MM`) read as the person's wall clock in
 * `timeZone`, the zone every date of the dashboard is shown in; `undefined` when malformed.
 */
export const zonedTime = (value: string, timeZone: string): Date | undefined => {
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/.exec(value)
  if (match === null) return undefined
  const [year, month, day, hour, minute] = match.slice(1).map(Number) as [
    number,
    number,
    number,
    number,
    number
  ]
  if (!isDay(year, month, day) || hour > 23 || minute > 59) return undefined
  return new Date(instantOf(year, month, day, hour, minute, timeZone))
}

/** The other way: what a `datetime-local` field shows for `date` in `timeZone` (to the minute). */
export const wallTime = (date: Date, timeZone: string): string =>
  new Date(wallClock(date.getTime(), timeZone)).toISOString().slice(0, 16)
