import type {
  DkimKey,
  DnsRecord,
  Domain,
  DomainId,
  DomainRef,
  DomainStatus,
  DomainWebhookEvent,
  TeamId
} from "@poststack/domain"
import { Context, type Effect, type Option } from "effect"
import type { StoreUnavailable } from "./StoreUnavailable.js"

export interface NewDomain {
  readonly teamId: TeamId
  readonly name: string
  readonly returnPathLabel: string
  readonly openTracking: boolean
  readonly clickTracking: boolean
  readonly trackingDomain: string | null
  readonly tlsMode: Domain["tlsMode"]
  readonly inboundEnabled: boolean
}

/** A DKIM key about to be stored: the private half is already sealed by `SecretBox`. */
export interface NewDkimKey {
  readonly selector: string
  readonly publicKey: string
  readonly sealedPrivateKey: Uint8Array
  readonly state: "active" | "pending"
}

export type DomainPatch = Partial<
  Pick<
    Domain,
    | "openTracking"
    | "clickTracking"
    | "trackingDomain"
    | "tlsMode"
    | "inboundEnabled"
    | "catchAll"
    | "streamPreference"
    | "bimiLogoUrl"
    | "returnPathLabel"
    | "dnsRecords"
  >
>

/** The outcome of one DNS check, saved with its events in one transaction. */
export interface DomainCheckResult {
  readonly records: ReadonlyArray<DnsRecord>
  readonly status: DomainStatus
  readonly verifiedAt: Date | null
  readonly checkedAt: Date
  readonly nextCheckAt: Date
  readonly events: ReadonlyArray<DomainWebhookEvent>
}

/** Sending domains, always within one team; deleted domains are invisible to every method. */
export class DomainRepository extends Context.Tag("@poststack/application/DomainRepository")<
  DomainRepository,
  {
    /** Creates the domain with its first DKIM key; `None` when the team already has that name. */
    readonly create: (
      domain: NewDomain,
      key: NewDkimKey,
      records: (domain: Domain, keys: ReadonlyArray<DkimKey>) => ReadonlyArray<DnsRecord>
    ) => Effect.Effect<Option.Option<Domain>, StoreUnavailable>
    readonly list: (teamId: TeamId) => Effect.Effect<ReadonlyArray<Domain>, StoreUnavailable>
    readonly get: (teamId: TeamId, ref: DomainRef) => Effect.Effect<Option.Option<Domain>, StoreUnavailable>
    readonly findByName: (
      teamId: TeamId,
      name: string
    ) => Effect.Effect<Option.Option<Domain>, StoreUnavailable>
    /** Changes settings and/or records; bumps the version. */
    readonly update: (
      teamId: TeamId,
      id: DomainId,
      patch: DomainPatch
    ) => Effect.Effect<Option.Option<Domain>, StoreUnavailable>
    /** Marks the domain deleted and revokes the API keys scoped to it. */
    readonly delete: (teamId: TeamId, id: DomainId) => Effect.Effect<boolean, StoreUnavailable>
    /**
     * Saves a check computed from the domain at `expectedVersion`, with its events, in one
     * transaction; `None` (and nothing written) when the domain changed or was deleted since.
     */
    readonly saveCheck: (
      id: DomainId,
      expectedVersion: number,
      result: DomainCheckResult
    ) => Effect.Effect<Option.Option<Domain>, StoreUnavailable>
    /**
     * Marks the domain verified without looking at DNS, for local use (an operator's decision,
     * never a client's), with a `domain.verified` event when it was not verified yet; `None` when
     * the team has no such domain.
     */
    readonly markVerifiedLocally: (
      teamId: TeamId,
      id: DomainId,
      at: Date
    ) => Effect.Effect<Option.Option<Domain>, StoreUnavailable>
    /** Domains whose next check is due, oldest first. */
    readonly dueForCheck: (now: Date, limit: number) => Effect.Effect<ReadonlyArray<Domain>, StoreUnavailable>
  }
>() {}
