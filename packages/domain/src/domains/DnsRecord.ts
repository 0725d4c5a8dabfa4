import { Schema } from "effect"

export const DnsRecordType = Schema.Literal("TXT", "CNAME", "MX", "SRV")
export type DnsRecordType = typeof DnsRecordType.Type

/**
 * What a record is for. `dkim_rotation` (a staged or retiring DKIM key) and `tracking` are
 * advisory: they never gate verification.
 */
export const DnsRecordPurpose = Schema.Literal(
  "spf",
  "dkim",
  "dkim_rotation",
  "dmarc",
  "return_path",
  "mx",
  "tracking",
  "imap",
  "submission"
)
export type DnsRecordPurpose = typeof DnsRecordPurpose.Type

/** `pending` until first seen, `verified` while DNS serves it, `failed` when DNS answers without it. */
export const RecordStatus = Schema.Literal("pending", "verified", "failed")
export type RecordStatus = typeof RecordStatus.Type

export class DnsRecord extends Schema.Class<DnsRecord>("DnsRecord")({
  type: DnsRecordType,
  purpose: DnsRecordPurpose,
  /** The fully qualified name the record lives at. */
  name: Schema.String,
  value: Schema.String,
  priority: Schema.NullOr(Schema.Int),
  status: RecordStatus,
  required: Schema.Boolean,
  checkedAt: Schema.NullOr(Schema.DateFromSelf),
  /** When the record was first asked for: its grace period runs from here, not from the domain's creation. */
  addedAt: Schema.DateFromSelf
}) {}

/** Records that must all be served for a domain to send: SPF, DKIM and DMARC, and the bounce MX. */
export const GATING_PURPOSES: ReadonlyArray<DnsRecordPurpose> = ["spf", "dkim", "dmarc", "return_path"]

/** Identity of a record across regenerations: same purpose, name and type means the same record. */
export const recordKey = (r: Pick<DnsRecord, "purpose" | "name" | "type">): string =>
  `${r.purpose}|${r.type}|${r.name}`
