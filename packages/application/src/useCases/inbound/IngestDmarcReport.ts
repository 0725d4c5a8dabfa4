import { dmarcAggregateFrom, findTextProblem, type ParsedMessage } from "@poststack/domain"
import { Effect } from "effect"
import { DmarcReportReader } from "../../ports/DmarcReportReader.js"
import { DmarcReportRepository } from "../../ports/DmarcReportRepository.js"
import type { MailRoute } from "../../ports/InboundRepository.js"

const REPORT_TYPES = /xml|gzip|zip|octet-stream/i

/**
 * Stores the DMARC aggregate report attached to a message sent to a domain's report address.
 * A report about another domain, or one that cannot be read, is logged and skipped. Only the
 * first report attachment is opened: senders send one report per message (RFC 7489), and opening
 * one is work a stranger can ask of us for free, so a message asks it once.
 */
export const IngestDmarcReport = Effect.fn("IngestDmarcReport")(function* (
  route: MailRoute,
  message: ParsedMessage
) {
  const reader = yield* DmarcReportReader
  const reports = yield* DmarcReportRepository
  const attachment = message.attachments.find((a) => REPORT_TYPES.test(a.contentType))
  if (attachment === undefined) return 0
  const tree = yield* reader.read(attachment).pipe(
    Effect.tapError((e) => Effect.logInfo(e.message)),
    Effect.option
  )
  if (tree._tag === "None") return 0
  const report = dmarcAggregateFrom(tree.value)
  if (typeof report === "string") {
    yield* Effect.logInfo(`DMARC report skipped: ${report}`)
    return 0
  }
  // NUL or a lone surrogate in a report is no data we could store: skipped like an unreadable one.
  const unstorable = findTextProblem(report)
  if (unstorable !== undefined) {
    yield* Effect.logInfo(`DMARC report skipped: ${unstorable.path} ${unstorable.problem}`)
    return 0
  }
  if (report.policyDomain !== route.domainName) {
    yield* Effect.logInfo(`DMARC report for ${report.policyDomain} sent to ${route.domainName}: skipped`)
    return 0
  }
  yield* reports.insert({
    teamId: route.teamId,
    domainId: route.domainId,
    reportId: report.reportId,
    orgName: report.orgName,
    email: report.email,
    dateRangeStart: report.dateRangeStart,
    dateRangeEnd: report.dateRangeEnd,
    policyDomain: report.policyDomain,
    policyPublished: report.policyPublished,
    status: "processed",
    rows: report.rows
  })
  return 1
})
