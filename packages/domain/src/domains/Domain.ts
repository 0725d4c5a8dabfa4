import { Schema } from "effect"
import { TeamId } from "../Team.js"
import { DnsRecord } from "./DnsRecord.js"
import { DomainId } from "./DomainRef.js"

export const DomainStatus = Schema.Literal("pending", "verified", "failed")
export type DomainStatus = typeof DomainStatus.Type

export const TlsMode = Schema.Literal("opportunistic", "enforced")
export const StreamPreference = Schema.Literal("any", "transactional", "marketing", "notification")
export const Region = Schema.Literal("eu-west-1")

/** A sending domain of a team, with the DNS records it must publish and their last known state. */
export class Domain extends Schema.Class<Domain>("Domain")({
  id: DomainId,
  teamId: TeamId,
  publicId: Schema.String,
  name: Schema.String,
  status: DomainStatus,
  region: Region,
  /** First label(s) of the bounce (return-path) host under the domain, `bounces` by default. */
  returnPathLabel: Schema.String,
  openTracking: Schema.Boolean,
  clickTracking: Schema.Boolean,
  trackingDomain: Schema.NullOr(Schema.String),
  tlsMode: TlsMode,
  inboundEnabled: Schema.Boolean,
  catchAll: Schema.Boolean,
  streamPreference: StreamPreference,
  bimiLogoUrl: Schema.NullOr(Schema.String),
  dnsRecords: Schema.Array(DnsRecord),
  verifiedAt: Schema.NullOr(Schema.DateFromSelf),
  /**
   * Set when the operator marked the domain verified for local use (`poststack domains
   * verify-local`): it sends without its DNS being checked, and DNS checks never unverify it.
   */
  verifiedLocallyAt: Schema.NullOr(Schema.DateFromSelf),
  lastCheckedAt: Schema.NullOr(Schema.DateFromSelf),
  createdAt: Schema.DateFromSelf,
  /** Bumped by every write, so that a check computed from an older read cannot overwrite newer state. */
  version: Schema.Int
}) {}

export const returnPathHost = (domain: Pick<Domain, "name" | "returnPathLabel">): string =>
  `${domain.returnPathLabel}.${domain.name}`

/** Sending is allowed from verified domains only. */
export const canSend = (domain: Pick<Domain, "status">): boolean => domain.status === "verified"

const MINUTE = 60_000

/**
 * When to look at a domain's DNS again: often while a new domain waits for its records, now and
 * then once it is verified (to notice records that disappear), hourly after it failed.
 */
export const nextCheckDelayMs = (status: DomainStatus, ageMs: number): number =>
  status === "verified"
    ? 6 * 60 * MINUTE
    : status === "failed"
      ? 60 * MINUTE
      : ageMs < 60 * MINUTE
        ? MINUTE
        : 5 * MINUTE
