/** The last instant of 9999: the last date that every store and every ISO 8601 writer keeps. */
export const LAST_INSTANT_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999)

/**
 * Whether `ms` is an instant a caller may name (a schedule, a wait's end, the start of a range):
 * from 1970 to the end of 9999. JavaScript reads years far outside PostgreSQL's range
 * (`-005000-01-01`, `+200000-01-01`), which would otherwise fail at the database.
 */
export const isNameableInstant = (ms: number): boolean => ms >= 0 && ms <= LAST_INSTANT_MS
