import type { DmarcRow } from "../dmarc/DmarcReport.js"

/** An aggregate report (RFC 7489 appendix C) as read from its XML, before it is tied to a domain. */
export interface DmarcAggregate {
  readonly orgName: string
  readonly email: string | null
  readonly reportId: string
  readonly dateRangeStart: Date | null
  readonly dateRangeEnd: Date | null
  readonly policyDomain: string
  readonly policyPublished: Readonly<Record<string, unknown>>
  readonly rows: ReadonlyArray<DmarcRow>
}

type Tree = Record<string, unknown>
const isTree = (v: unknown): v is Tree => v !== null && typeof v === "object" && !Array.isArray(v)
const child = (v: unknown, key: string): unknown => (isTree(v) ? v[key] : undefined)
const text = (v: unknown): string | null =>
  typeof v === "string" ? v.trim() : typeof v === "number" ? String(v) : null
const many = (v: unknown): ReadonlyArray<unknown> => (v === undefined ? [] : Array.isArray(v) ? v : [v])
const epoch = (v: unknown): Date | null => {
  const s = text(v)
  return s !== null && /^\d{1,12}$/.test(s) ? new Date(Number(s) * 1000) : null
}

/** At most this many rows are kept from one report: a hostile report cannot grow a table without bound. */
export const MAX_DMARC_ROWS = 10_000

/**
 * Maps the element tree of an aggregate report (elements as objects, text as strings) to a
 * report; the first problem as a sentence.
 */
export const dmarcAggregateFrom = (tree: unknown): DmarcAggregate | string => {
  const feedback = child(tree, "feedback")
  if (!isTree(feedback)) return "not a DMARC aggregate report: no <feedback> element"
  const meta = child(feedback, "report_metadata")
  const policy = child(feedback, "policy_published")
  const orgName = text(child(meta, "org_name"))
  const reportId = text(child(meta, "report_id"))
  const policyDomain = text(child(policy, "domain"))?.toLowerCase()
  if (orgName === null || reportId === null || policyDomain === undefined) {
    return "the report lacks org_name, report_id or policy_published/domain"
  }
  const records = many(child(feedback, "record"))
  if (records.length > MAX_DMARC_ROWS) return `the report has more than ${MAX_DMARC_ROWS} records`
  const rows: Array<DmarcRow> = []
  for (const record of records) {
    const row = child(record, "row")
    const evaluated = child(row, "policy_evaluated")
    const sourceIp = text(child(row, "source_ip"))
    const count = Number(text(child(row, "count")) ?? "NaN")
    if (sourceIp === null || !Number.isSafeInteger(count) || count < 0)
      return "a record lacks source_ip or count"
    rows.push({
      sourceIp,
      count,
      disposition: text(child(evaluated, "disposition")),
      dkimAligned: text(child(evaluated, "dkim")) === "pass",
      spfAligned: text(child(evaluated, "spf")) === "pass",
      headerFrom: text(child(child(record, "identifiers"), "header_from"))
    })
  }
  const published: Record<string, unknown> = {}
  if (isTree(policy)) for (const [k, v] of Object.entries(policy)) published[k] = text(v)
  const range = child(meta, "date_range")
  return {
    orgName,
    email: text(child(meta, "email")),
    reportId,
    dateRangeStart: epoch(child(range, "begin")),
    dateRangeEnd: epoch(child(range, "end")),
    policyDomain,
    policyPublished: published,
    rows
  }
}
