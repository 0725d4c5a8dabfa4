import { DomainRepository } from "@poststack/application"
import {
  DkimKey,
  type DkimKeyId,
  Domain,
  type DomainId,
  type DomainWebhookEvent,
  encodeWebhookEvent,
  type TeamId
} from "@poststack/domain"
import { Effect, Option } from "effect"

interface StoredDomain {
  domain: Domain
  nextCheckAt: Date
  deleted: boolean
}

/** A DKIM key as the key store keeps it: the public half plus the sealed private half. */
export interface StoredDkimKey {
  readonly key: DkimKey
  readonly sealedPrivateKey: Uint8Array
}

/** An event written to the outbox, in the order it was written. */
export interface StoredEvent {
  readonly teamId: TeamId
  readonly type: string
  readonly payload: Readonly<Record<string, unknown>>
}

/**
 * What the memory repositories share, as the PostgreSQL tables are shared: one id sequence, the
 * domains, their DKIM keys and dedicated addresses, and the outbox. `revokeDomainKeys` is the API-key side of deleting a
 * domain (the keys scoped to it go with it).
 */
export interface MemoryDomainState {
  readonly nextId: () => number
  readonly domains: Map<DomainId, StoredDomain>
  readonly dkimKeys: Map<DkimKeyId, StoredDkimKey>
  readonly events: Array<StoredEvent>
  /** The dedicated address (by id) each domain sends from. */
  readonly domainIps: Map<DomainId, number>
  readonly revokeDomainKeys: (teamId: TeamId, domainId: DomainId) => void
}

/** A domain as a new row holds it: the columns' defaults in `migrations/0002_domains.ts`. */
export const newDomain = (
  state: MemoryDomainState,
  fields: Pick<Domain, "teamId" | "name"> & Partial<Domain>
): Domain => {
  const domain = Domain.make({
    id: state.nextId() as DomainId,
    publicId: `dom_${crypto.randomUUID().replaceAll("-", "")}`,
    status: "pending",
    region: "eu-west-1",
    returnPathLabel: "bounces",
    openTracking: false,
    clickTracking: false,
    trackingDomain: null,
    tlsMode: "opportunistic",
    inboundEnabled: false,
    catchAll: false,
    streamPreference: "any",
    bimiLogoUrl: null,
    dnsRecords: [],
    verifiedAt: null,
    verifiedLocallyAt: null,
    lastCheckedAt: null,
    createdAt: new Date(),
    version: 0,
    ...fields
  })
  state.domains.set(domain.id, { domain, nextCheckAt: domain.createdAt, deleted: false })
  return domain
}

// Encoded as PgDomainRepository encodes them, so both outboxes hold the same JSON.
const record = (state: MemoryDomainState, teamId: TeamId, events: ReadonlyArray<DomainWebhookEvent>) => {
  for (const event of events.map(encodeWebhookEvent))
    state.events.push({ teamId, type: event.type, payload: event.data })
}

/** `DomainRepository` over the shared memory state; the same contract suite runs against `PgDomainRepository`. */
export const make = (state: MemoryDomainState) => {
  const live = (teamId: TeamId, id: DomainId) => {
    const stored = state.domains.get(id)
    return stored !== undefined && !stored.deleted && stored.domain.teamId === teamId ? stored : undefined
  }
  const liveOf = (teamId: TeamId) =>
    [...state.domains.values()].filter((s) => !s.deleted && s.domain.teamId === teamId)
  const bump = (stored: StoredDomain, changes: Partial<Domain>) => {
    stored.domain = Domain.make({ ...stored.domain, ...changes, version: stored.domain.version + 1 })
    return stored.domain
  }

  return DomainRepository.of({
    create: (input, key, records) =>
      Effect.sync(() => {
        if (liveOf(input.teamId).some((s) => s.domain.name === input.name)) return Option.none()
        const domain = newDomain(state, input)
        const dkim = DkimKey.make({
          id: state.nextId() as DkimKeyId,
          domainId: domain.id,
          selector: key.selector,
          publicKey: key.publicKey,
          state: key.state,
          createdAt: new Date(),
          publishedAt: null,
          activatesAfter: null,
          retireAfter: null
        })
        state.dkimKeys.set(dkim.id, { key: dkim, sealedPrivateKey: key.sealedPrivateKey })
        const stored = state.domains.get(domain.id) as StoredDomain
        return Option.some(bump(stored, { dnsRecords: records(domain, [dkim]) }))
      }),
    list: (teamId) => Effect.sync(() => liveOf(teamId).map((s) => s.domain)),
    get: (teamId, ref) =>
      Effect.sync(() =>
        Option.fromNullable(
          liveOf(teamId).find((s) =>
            ref._tag === "Numeric" ? s.domain.id === ref.id : s.domain.publicId === ref.publicId
          )?.domain
        )
      ),
    findByName: (teamId, name) =>
      Effect.sync(() => Option.fromNullable(liveOf(teamId).find((s) => s.domain.name === name)?.domain)),
    update: (teamId, id, patch) =>
      Effect.sync(() => {
        const stored = live(teamId, id)
        const changes = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined))
        return stored === undefined ? Option.none() : Option.some(bump(stored, changes))
      }),
    delete: (teamId, id) =>
      Effect.sync(() => {
        const stored = live(teamId, id)
        if (stored === undefined) return false
        stored.deleted = true
        bump(stored, {})
        state.revokeDomainKeys(teamId, id)
        return true
      }),
    saveCheck: (id, expectedVersion, result) =>
      Effect.sync(() => {
        const stored = state.domains.get(id)
        if (stored === undefined || stored.deleted || stored.domain.version !== expectedVersion)
          return Option.none()
        stored.nextCheckAt = result.nextCheckAt
        const saved = bump(stored, {
          dnsRecords: result.records,
          status: result.status,
          verifiedAt: result.verifiedAt,
          lastCheckedAt: result.checkedAt
        })
        record(state, saved.teamId, result.events)
        return Option.some(saved)
      }),
    markVerifiedLocally: (teamId, id, at) =>
      Effect.sync(() => {
        const stored = live(teamId, id)
        if (stored === undefined) return Option.none()
        const wasVerified = stored.domain.status === "verified"
        const saved = bump(stored, {
          status: "verified",
          verifiedAt: stored.domain.verifiedAt ?? at,
          verifiedLocallyAt: at
        })
        if (!wasVerified)
          record(state, teamId, [
            {
              type: "domain.verified",
              data: {
                domain_id: saved.id,
                public_id: saved.publicId,
                name: saved.name,
                status: saved.status,
                verified_locally: true
              }
            }
          ])
        return Option.some(saved)
      }),
    dueForCheck: (now, limit) =>
      Effect.sync(() =>
        [...state.domains.values()]
          .filter((s) => !s.deleted && s.nextCheckAt.getTime() <= now.getTime())
          .sort((a, b) => a.nextCheckAt.getTime() - b.nextCheckAt.getTime())
          .slice(0, limit)
          .map((s) => s.domain)
      )
  })
}
