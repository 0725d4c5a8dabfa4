import { SqlClient } from "@effect/sql"
import { DmarcReportRepository } from "@poststack/application"
import type { DmarcReportStatus, DmarcReportSummary } from "@poststack/domain"
import { Effect, Layer } from "effect"
import { unavailable } from "./SqlErrors.js"

interface ReportRow {
  readonly id: number
  readonly domain_id: number
  readonly report_id: string
  readonly org_name: string
  readonly email: string | null
  readonly date_range_start: Date | null
  readonly date_range_end: Date | null
  readonly policy_domain: string
  readonly policy_published: Record<string, unknown> | null
  readonly status: DmarcReportStatus
  readonly created_at: Date
  readonly total_count: number
  readonly pass_count: number
}

const toSummary = (row: ReportRow): DmarcReportSummary => ({
  id: row.id,
  domainId: row.domain_id,
  reportId: row.report_id,
  orgName: row.org_name,
  email: row.email,
  dateRangeStart: row.date_range_start,
  dateRangeEnd: row.date_range_end,
  policyDomain: row.policy_domain,
  policyPublished: row.policy_published,
  status: row.status,
  createdAt: row.created_at,
  totalCount: row.total_count,
  passCount: row.pass_count,
  failCount: row.total_count - row.pass_count
})

export const make = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient

  return DmarcReportRepository.of({
    insert: (report) =>
      sql
        .withTransaction(
          Effect.gen(function* () {
            const inserted = yield* sql<{ id: number }>`
              INSERT INTO dmarc_reports (team_id, domain_id, report_id, org_name, email, date_range_start,
                                         date_range_end, policy_domain, policy_published, status)
              VALUES (${report.teamId}, ${report.domainId}, ${report.reportId}, ${report.orgName}, ${report.email},
                      ${report.dateRangeStart}, ${report.dateRangeEnd}, ${report.policyDomain},
                      ${report.policyPublished === null ? null : JSON.stringify(report.policyPublished)}::jsonb,
                      ${report.status})
              ON CONFLICT (domain_id, org_name, report_id) DO NOTHING
              RETURNING id`
            const id = inserted[0]?.id
            if (id === undefined) return false
            for (const row of report.rows) {
              yield* sql`
                INSERT INTO dmarc_records (report_id, source_ip, message_count, disposition, dkim_aligned,
                                           spf_aligned, header_from)
                VALUES (${id}, ${row.sourceIp}, ${row.count}, ${row.disposition}, ${row.dkimAligned},
                        ${row.spfAligned}, ${row.headerFrom})`
            }
            return true
          })
        )
        .pipe(unavailable),
    page: (domainId, page, perPage) =>
      Effect.gen(function* () {
        const rows = yield* sql<ReportRow>`
          SELECT r.id, r.domain_id, r.report_id, r.org_name, r.email, r.date_range_start, r.date_range_end,
                 r.policy_domain, r.policy_published, r.status, r.created_at,
                 coalesce(sum(c.message_count), 0)::int AS total_count,
                 coalesce(sum(c.message_count) FILTER (WHERE c.dkim_aligned OR c.spf_aligned), 0)::int AS pass_count
          FROM dmarc_reports r LEFT JOIN dmarc_records c ON c.report_id = r.id
          WHERE r.domain_id = ${domainId}
          GROUP BY r.id
          ORDER BY coalesce(r.date_range_end, r.created_at) DESC, r.id DESC
          LIMIT ${perPage} OFFSET ${(page - 1) * perPage}`
        const counted = yield* sql<{
          n: number
        }>`SELECT count(*)::int AS n FROM dmarc_reports WHERE domain_id = ${domainId}`
        return { reports: rows.map(toSummary), total: counted[0]?.n ?? 0 }
      }).pipe(unavailable),
    stats: (domainId, since) =>
      Effect.gen(function* () {
        const daily = yield* sql<{ date: string; total: number; passed: number; spf: number; dkim: number }>`
          SELECT to_char(date_trunc('day', coalesce(r.date_range_start, r.created_at) AT TIME ZONE 'UTC'), 'YYYY-MM-DD') AS date,
                 sum(c.message_count)::int AS total,
                 coalesce(sum(c.message_count) FILTER (WHERE c.dkim_aligned OR c.spf_aligned), 0)::int AS passed,
                 coalesce(sum(c.message_count) FILTER (WHERE c.spf_aligned), 0)::int AS spf,
                 coalesce(sum(c.message_count) FILTER (WHERE c.dkim_aligned), 0)::int AS dkim
          FROM dmarc_reports r JOIN dmarc_records c ON c.report_id = r.id
          WHERE r.domain_id = ${domainId} AND coalesce(r.date_range_end, r.created_at) >= ${since}
          GROUP BY 1 ORDER BY 1`
        const sum = (f: (d: (typeof daily)[number]) => number) => daily.reduce((acc, d) => acc + f(d), 0)
        return {
          totals: {
            totalMessages: sum((d) => d.total),
            passed: sum((d) => d.passed),
            spfPassed: sum((d) => d.spf),
            dkimPassed: sum((d) => d.dkim)
          },
          daily: daily.map((d) => ({
            date: d.date,
            total: d.total,
            passed: d.passed,
            failed: d.total - d.passed
          }))
        }
      }).pipe(unavailable),
    sources: (domainId, since) =>
      sql<{ source_ip: string; org_name: string | null; total: number; passed: number }>`
        SELECT c.source_ip, min(r.org_name) AS org_name, sum(c.message_count)::int AS total,
               coalesce(sum(c.message_count) FILTER (WHERE c.dkim_aligned OR c.spf_aligned), 0)::int AS passed
        FROM dmarc_reports r JOIN dmarc_records c ON c.report_id = r.id
        WHERE r.domain_id = ${domainId} AND coalesce(r.date_range_end, r.created_at) >= ${since}
        GROUP BY c.source_ip ORDER BY total DESC, c.source_ip`.pipe(
        Effect.map((rows) =>
          rows.map((r) => ({
            sourceIp: r.source_ip,
            orgName: r.org_name,
            total: r.total,
            passed: r.passed,
            failed: r.total - r.passed
          }))
        ),
        unavailable
      )
  })
})

export const layer = Layer.effect(DmarcReportRepository, make)
