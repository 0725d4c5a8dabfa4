import { Clock, Effect } from "effect"

const DAY = 24 * 60 * 60 * 1000

/** The start of a report window of `days` days ending now. */
export const windowSince = (days: number) =>
  Effect.map(Clock.currentTimeMillis, (now) => new Date(now - days * DAY))
