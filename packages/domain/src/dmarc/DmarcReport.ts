import { Schema } from "effect"

export const DmarcReportStatus = Schema.Literal("pending", "processed", "error")
export type DmarcReportStatus = typeof DmarcReportStatus.Type

/** One row of an aggregate report: how many messages one source sent, and how they fared. */
export interface DmarcRow {
  readonly sourceIp: string
  readonly count: number
  readonly disposition: string | null
  /** DKIM passed and aligned with the From domain (the report's policy_evaluated dkim). */
  readonly dkimAligned: boolean
  /** SPF passed and aligned with the From domain (the report's policy_evaluated spf). */
  readonly spfAligned: boolean
  readonly headerFrom: string | null
}

export interface DmarcReportSummary {
  readonly id: number
  readonly domainId: number
  readonly reportId: string
  readonly orgName: string
  readonly email: string | null
  readonly dateRangeStart: Date | null
  readonly dateRangeEnd: Date | null
  readonly policyDomain: string
  readonly policyPublished: Readonly<Record<string, unknown>> | null
  readonly status: DmarcReportStatus
  readonly createdAt: Date
  readonly totalCount: number
  readonly passCount: number
  readonly failCount: number
}

export interface DmarcDay {
  /** `YYYY-MM-DD`, UTC. */
  readonly date: string
  readonly total: number
  readonly passed: number
  readonly failed: number
}

export interface DmarcStats {
  readonly totals: {
    readonly totalMessages: number
    readonly passed: number
    readonly spfPassed: number
    readonly dkimPassed: number
  }
  readonly daily: ReadonlyArray<DmarcDay>
}

export interface DmarcSource {
  readonly sourceIp: string
  readonly orgName: string | null
  readonly total: number
  readonly passed: number
  readonly failed: number
}

/** Share of messages that passed, 0 to 100 with one decimal; 0 when there were none. */
export const passRate = (passed: number, total: number): number =>
  total === 0 ? 0 : Math.round((passed / total) * 1000) / 10
