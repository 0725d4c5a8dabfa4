import type { DomainStatus } from "./Domain.js"
import { DnsRecord, type RecordStatus } from "./DnsRecord.js"

/** What DNS said for one record's name and type: the values it serves, or that it could not be asked. */
export type DnsAnswer =
  | {
      readonly _tag: "Answered"
      readonly values: ReadonlyArray<string>
      /** How long the answer may be kept, when the resolver says (A and AAAA). */
      readonly ttlSeconds?: number
    }
  | { readonly _tag: "Unavailable"; readonly reason: string }

/** A domain that never verifies is marked failed after this long (it can still verify later). */
export const VERIFICATION_GRACE_MS = 72 * 60 * 60 * 1000

const host = (value: string) => value.trim().toLowerCase().replace(/\.$/, "")
const dkimKeyOf = (value: string) => /(?:^|;)p=([^;]*)/.exec(value.replace(/\s+/g, ""))?.[1]
const spfTokens = (value: string) => value.trim().toLowerCase().split(/\s+/)

/** Whether DNS serves what the record asks for. Other content at the same name is tolerated. */
export const recordServed = (
  record: Pick<DnsRecord, "type" | "purpose" | "value">,
  values: ReadonlyArray<string>
) => {
  switch (record.purpose) {
    case "spf": {
      const wanted = spfTokens(record.value).filter((t) => t !== "v=spf1" && t !== "~all")
      return values.some((v) => {
        const tokens = spfTokens(v)
        return tokens[0] === "v=spf1" && wanted.every((t) => tokens.includes(t))
      })
    }
    case "dkim":
    case "dkim_rotation": {
      const key = dkimKeyOf(record.value)
      return key !== undefined && values.some((v) => dkimKeyOf(v) === key)
    }
    case "dmarc":
      return values.some((v) => /^v=dmarc1\s*;/i.test(v.trim()))
    default:
      return values.some((v) => host(v) === host(record.value))
  }
}

export interface RecordCheck {
  readonly records: ReadonlyArray<DnsRecord>
  /** A gating record could not be looked up: the domain's status must not change on this round. */
  readonly inconclusive: boolean
}

export const checkRecords = (
  records: ReadonlyArray<DnsRecord>,
  answerFor: (record: DnsRecord) => DnsAnswer,
  now: Date
): RecordCheck => {
  let inconclusive = false
  const checked = records.map((record) => {
    const answer = answerFor(record)
    if (answer._tag === "Unavailable") {
      if (record.required) inconclusive = true
      return record
    }
    const pastGrace = now.getTime() - record.addedAt.getTime() > VERIFICATION_GRACE_MS
    const status: RecordStatus = recordServed(record, answer.values)
      ? "verified"
      : record.status === "verified" || pastGrace
        ? "failed"
        : "pending"
    return DnsRecord.make({ ...record, status, checkedAt: now })
  })
  return { records: checked, inconclusive }
}

export type DomainVerificationEvent = "domain.verified" | "domain.verification_failed"

export interface DomainTransition {
  readonly status: DomainStatus
  readonly verifiedAt: Date | null
  readonly event: DomainVerificationEvent | null
}

/**
 * The domain's status after a check. Every gating record served: verified. A gating record that
 * was served and vanished, or that never appeared within its grace period: failed, and sending
 * stops. Records still within their grace period change nothing, nor does an inconclusive check.
 */
export const nextDomainStatus = (
  previous: {
    readonly status: DomainStatus
    readonly verifiedAt: Date | null
    readonly verifiedLocallyAt?: Date | null
  },
  check: RecordCheck,
  now: Date
): DomainTransition => {
  const unchanged = { status: previous.status, verifiedAt: previous.verifiedAt, event: null }
  // The operator vouched for it (local use, no DNS): record statuses still move, the domain's does not.
  if (previous.verifiedLocallyAt !== undefined && previous.verifiedLocallyAt !== null) return unchanged
  if (check.inconclusive) return unchanged
  const required = check.records.filter((r) => r.required)
  if (required.every((r) => r.status === "verified")) {
    return previous.status === "verified"
      ? unchanged
      : { status: "verified", verifiedAt: now, event: "domain.verified" }
  }
  if (required.some((r) => r.status === "failed")) {
    return previous.status === "failed"
      ? unchanged
      : { status: "failed", verifiedAt: previous.verifiedAt, event: "domain.verification_failed" }
  }
  return unchanged
}
