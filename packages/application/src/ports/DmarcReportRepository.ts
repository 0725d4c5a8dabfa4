import type {
  DmarcReportStatus,
  DmarcReportSummary,
  DmarcRow,
  DmarcSource,
  DmarcStats,
  DomainId,
  TeamId
} from "@poststack/domain"
import { Context, type Effect } from "effect"
import type { StoreUnavailable } from "./StoreUnavailable.js"

export interface NewDmarcReport {
  readonly teamId: TeamId
  readonly domainId: DomainId
  readonly reportId: string
  readonly orgName: string
  readonly email: string | null
  readonly dateRangeStart: Date | null
  readonly dateRangeEnd: Date | null
  readonly policyDomain: string
  readonly policyPublished: Readonly<Record<string, unknown>> | null
  readonly status: DmarcReportStatus
  readonly rows: ReadonlyArray<DmarcRow>
}

/** DMARC aggregate reports of a domain: stored as they arrive, read back as pages and statistics. */
export class DmarcReportRepository extends Context.Tag("@poststack/application/DmarcReportRepository")<
  DmarcReportRepository,
  {
    /** Stores a report with its rows; a report already stored (same org and id) is kept as it was. */
    readonly insert: (report: NewDmarcReport) => Effect.Effect<boolean, StoreUnavailable>
    /** Newest first. */
    readonly page: (
      domainId: DomainId,
      page: number,
      perPage: number
    ) => Effect.Effect<
      { readonly reports: ReadonlyArray<DmarcReportSummary>; readonly total: number },
      StoreUnavailable
    >
    readonly stats: (domainId: DomainId, since: Date) => Effect.Effect<DmarcStats, StoreUnavailable>
    readonly sources: (
      domainId: DomainId,
      since: Date
    ) => Effect.Effect<ReadonlyArray<DmarcSource>, StoreUnavailable>
  }
>() {}
