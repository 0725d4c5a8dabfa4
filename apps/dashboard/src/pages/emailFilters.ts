import { PublicEmailStatus } from "@poststack/domain"
import { zonedDay } from "../zonedDay.js"

/** The Emails page's filters: how the address carries them, and the `GET /emails` query they make. */

const PER_PAGE = 25

/** The filters, as the page's address carries them (so a reload or the way back keeps them). */
export const KEYS = ["to", "subject", "status", "domain", "tag", "after", "before"] as const
export type Filters = Record<(typeof KEYS)[number], string>

const isStatus = (value: string): value is PublicEmailStatus =>
  (PublicEmailStatus.literals as ReadonlyArray<string>).includes(value)

/**
 * Whether the page's controls can show `value` for `key`: a status or a day they cannot show would
 * still filter the list, which would then read "No emails match" under filters that look empty.
 */
const showable = (key: (typeof KEYS)[number], value: string) =>
  key === "status"
    ? isStatus(value)
    : key === "domain"
      ? /^[1-9][0-9]*$/.test(value)
      : key === "after" || key === "before"
        ? zonedDay(value, "UTC", "start") !== undefined
        : true

/** The filters an address carries; a value the controls cannot show is left out. */
export const readFilters = (search: URLSearchParams) =>
  Object.fromEntries(
    KEYS.map((k) => {
      const value = search.get(k) ?? ""
      return [k, showable(k, value) ? value : ""]
    })
  ) as Filters
export const readPage = (search: URLSearchParams) => Math.max(1, Math.floor(Number(search.get("page"))) || 1)

export const searchOf = (filters: Filters, page: number) => {
  const search = new URLSearchParams()
  for (const k of KEYS) if (filters[k] !== "") search.set(k, filters[k])
  if (page > 1) search.set("page", String(page))
  const text = search.toString()
  return text === "" ? "" : `?${text}`
}

export const STATUSES: ReadonlyArray<readonly [string, string]> = [
  ["", "Any status"],
  ...PublicEmailStatus.literals.map((s) => [s, s === "queued" ? "queued or scheduled" : s] as const)
]

/** The list's query for the filters and the page; days are read in the person's time zone. */
export const paramsOf = (f: Filters, page: number, timeZone: string) => {
  const after = zonedDay(f.after, timeZone, "start")
  const before = zonedDay(f.before, timeZone, "end")
  return {
    page,
    perPage: PER_PAGE,
    ...(f.to === "" ? {} : { to: f.to }),
    ...(f.subject === "" ? {} : { subject: f.subject }),
    ...(isStatus(f.status) ? { status: f.status } : {}),
    ...(/^[1-9][0-9]*$/.test(f.domain) ? { domainId: Number(f.domain) } : {}),
    ...(f.tag === "" ? {} : { tag: f.tag }),
    // Days as the person reads them: in their time zone, as every date on the page.
    ...(after === undefined ? {} : { dateFrom: after.toISOString() }),
    ...(before === undefined ? {} : { dateTo: before.toISOString() })
  }
}
