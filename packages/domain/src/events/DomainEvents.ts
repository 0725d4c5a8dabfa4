import { Schema } from "effect"
import { DnsRecordPurpose, DnsRecordType, RecordStatus } from "../domains/DnsRecord.js"
import { DomainStatus } from "../domains/Domain.js"
import { eventSchema, optional } from "./Event.js"

const domainData = {
  domain_id: Schema.Number,
  public_id: Schema.String,
  name: Schema.String,
  status: DomainStatus,
  /** What the DNS check found for each record (absent when the operator verified it locally). */
  records: optional(
    Schema.Array(
      Schema.Struct({
        type: DnsRecordType,
        name: Schema.String,
        purpose: DnsRecordPurpose,
        status: RecordStatus
      })
    )
  ),
  verified_locally: optional(Schema.Literal(true))
}

export const DomainVerified = eventSchema("domain.verified", domainData)
export const DomainVerificationFailed = eventSchema("domain.verification_failed", domainData)

export const DomainWebhookEvent = Schema.Union(DomainVerified, DomainVerificationFailed)
export type DomainWebhookEvent = typeof DomainWebhookEvent.Type
