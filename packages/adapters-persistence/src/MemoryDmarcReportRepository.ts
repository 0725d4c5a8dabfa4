import { DmarcReportRepository, type NewDmarcReport } from "@poststack/application"
import type { DmarcReportSummary, DmarcRow, DomainId } from "@poststack/domain"
import { Effect, Layer } from "effect"

interface StoredReport {
  readonly id: number
  readonly report: NewDmarcReport
  readonly createdAt: Date
}

const passed = (row: DmarcRow) => row.dkimAligned || row.spfAligned
const sum = (rows: ReadonlyArray<DmarcRow>, keep: (row: DmarcRow) => boolean = () => true) =>
  rows.reduce((acc, row) => acc + (keep(row) ? row.count : 0), 0)
/** The time a report counts at: the end of its range, or when it arrived. */
const at = (r: StoredReport) => r.report.dateRangeEnd ?? r.createdAt

const toSummary = ({ id, report, createdAt }: StoredReport): DmarcReportSummary => {
  const totalCount = sum(report.rows)
  const passCount = sum(report.rows, passed)
  return {
    id,
    domainId: report.domainId,
    reportId: report.reportId,
    orgName: report.orgName,
    email: report.email,
    dateRangeStart: report.dateRangeStart,
    dateRangeEnd: report.dateRangeEnd,
    policyDomain: report.policyDomain,
    policyPublished: report.policyPublished,
    status: report.status,
    createdAt,
    totalCount,
    passCount,
    failCount: totalCount - passCount
  }
}

/** DMARC aggregate reports in process memory; the same contract suite runs against `PgDmarcReportRepository`. */
export const make = Effect.sync(() => {
  const reports: Array<StoredReport> = []
  let nextId = 1
  const since = (domainId: DomainId, from: Date) =>
    reports.filter((r) => r.report.domainId === domainId && at(r).getTime() >= from.getTime())

  return DmarcReportRepository.of({
    insert: (report) =>
      Effect.sync(() => {
        const known = reports.some(
          (r) =>
            r.report.domainId === report.domainId &&
            r.report.orgName === report.orgName &&
            r.report.reportId === report.reportId
        )
        if (known) return false
        reports.push({ id: nextId++, report, createdAt: new Date() })
        return true
      }),
    page: (domainId, page, perPage) =>
      Effect.sync(() => {
        const all = reports
          .filter((r) => r.report.domainId === domainId)
          .sort((a, b) => at(b).getTime() - at(a).getTime() || b.id - a.id)
        return { reports: all.slice((page - 1) * perPage, page * perPage).map(toSummary), total: all.length }
      }),
    stats: (domainId, from) =>
      Effect.sync(() => {
        const days = new Map<string, Array<DmarcRow>>()
        for (const r of since(domainId, from)) {
          if (r.report.rows.length === 0) continue
          const day = (r.report.dateRangeStart ?? r.createdAt).toISOString().slice(0, 10)
          days.set(day, [...(days.get(day) ?? []), ...r.report.rows])
        }
        const rows = [...days.values()].flat()
        return {
          totals: {
            totalMessages: sum(rows),
            passed: sum(rows, passed),
            spfPassed: sum(rows, (row) => row.spfAligned),
            dkimPassed: sum(rows, (row) => row.dkimAligned)
          },
          daily: [...days.entries()]
            .sort(([a], [b]) => a.localeCompare(b))
            .map(([date, dayRows]) => ({
              date,
              total: sum(dayRows),
              passed: sum(dayRows, passed),
              failed: sum(dayRows) - sum(dayRows, passed)
            }))
        }
      }),
    sources: (domainId, from) =>
      Effect.sync(() => {
        const bySource = new Map<string, { orgName: string; rows: Array<DmarcRow> }>()
        for (const r of since(domainId, from))
          for (const row of r.report.rows) {
            const seen = bySource.get(row.sourceIp)
            if (seen === undefined) bySource.set(row.sourceIp, { orgName: r.report.orgName, rows: [row] })
            else {
              seen.rows.push(row)
              if (r.report.orgName < seen.orgName) seen.orgName = r.report.orgName
            }
          }
        return [...bySource.entries()]
          .map(([sourceIp, { orgName, rows }]) => ({
            sourceIp,
            orgName,
            total: sum(rows),
            passed: sum(rows, passed),
            failed: sum(rows) - sum(rows, passed)
          }))
          .sort(
            (a, b) => b.total - a.total || (a.sourceIp < b.sourceIp ? -1 : a.sourceIp > b.sourceIp ? 1 : 0)
          )
      })
  })
})

export const layer = Layer.effect(DmarcReportRepository, make)
