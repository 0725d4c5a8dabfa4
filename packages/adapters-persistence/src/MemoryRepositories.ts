import {
  ApiKeyRepository,
  DkimKeyRepository,
  DomainDirectory,
  DomainRepository,
  InboundRepository,
  IpAddressRepository,
  type NewApiKey,
  SubscriptionRepository,
  TeamRepository,
  UsageMeter
} from "@poststack/application"
import { ApiKey, type ApiKeyId, type DomainId, Team, type TeamId } from "@poststack/domain"
import { Context, Effect, Layer, Option } from "effect"
import * as MemoryDkimKeyRepository from "./MemoryDkimKeyRepository.js"
import * as MemoryDomainRepository from "./MemoryDomainRepository.js"
import * as MemoryInboundRepository from "./MemoryInboundRepository.js"
import * as MemoryIpAddressRepository from "./MemoryIpAddressRepository.js"
import * as MemorySubscriptionRepository from "./MemorySubscriptionRepository.js"
import * as MemoryUsageMeter from "./MemoryUsageMeter.js"

interface StoredKey {
  readonly key: ApiKey
  readonly hash: string
}

/**
 * The tenancy repositories and the domains over one in-process state, for unit tests and tools. The same contract
 * suite runs against these and the PostgreSQL adapters.
 */
export const make = Effect.sync(() => {
  const teams = new Map<TeamId, Team>()
  const keys = new Map<ApiKeyId, StoredKey>()
  let nextId = 1
  const state: MemoryDomainRepository.MemoryDomainState = {
    nextId: () => nextId++,
    domains: new Map(),
    dkimKeys: new Map(),
    events: [],
    domainIps: new Map(),
    revokeDomainKeys: (teamId, domainId) => {
      for (const [id, stored] of keys)
        if (stored.key.teamId === teamId && stored.key.domainId === domainId) keys.delete(id)
    }
  }
  const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex")

  const store = (input: NewApiKey, extra: Partial<Pick<ApiKey, "expiresAt">> = {}): ApiKey => {
    const hash = hex(input.keyHash)
    for (const stored of keys.values()) if (stored.hash === hash) throw new Error("duplicate key hash")
    const key = ApiKey.make({
      id: nextId++ as ApiKeyId,
      teamId: input.teamId,
      name: input.name,
      keyPrefix: input.keyPrefix,
      permission: input.permission,
      mode: input.mode,
      domainId: input.domainId,
      lastUsedAt: null,
      expiresAt: extra.expiresAt ?? null,
      createdAt: new Date()
    })
    keys.set(key.id, { key, hash })
    return key
  }
  const owned = (teamId: TeamId, id: ApiKeyId) => {
    const stored = keys.get(id)
    return stored !== undefined && stored.key.teamId === teamId ? Option.some(stored) : Option.none()
  }
  const newTeam = (name: string) => {
    const team = Team.make({ id: nextId++ as TeamId, name, createdAt: new Date() })
    teams.set(team.id, team)
    return team
  }

  const apiKeys = ApiKeyRepository.of({
    insert: (input) => Effect.sync(() => store(input)),
    findByHash: (keyHash) =>
      Effect.sync(() => {
        const hash = hex(keyHash)
        for (const stored of keys.values()) if (stored.hash === hash) return Option.some(stored.key)
        return Option.none()
      }),
    // The memory twin's team closure keeps no keys' hashes: no key is ever of a closed team here.
    closedTeamOf: () => Effect.succeed(false),
    list: (teamId) =>
      Effect.sync(() => [...keys.values()].filter((s) => s.key.teamId === teamId).map((s) => s.key)),
    get: (teamId, id) => Effect.sync(() => Option.map(owned(teamId, id), (s) => s.key)),
    rename: (teamId, id, name) =>
      Effect.sync(() =>
        Option.map(owned(teamId, id), (s) => {
          const key = ApiKey.make({ ...s.key, name })
          keys.set(id, { key, hash: s.hash })
          return key
        })
      ),
    rotate: (teamId, id, secret) =>
      Effect.sync(() =>
        Option.map(owned(teamId, id), (s) => {
          keys.delete(id)
          return store(
            { ...s.key, keyHash: secret.keyHash, keyPrefix: secret.keyPrefix },
            { expiresAt: s.key.expiresAt }
          )
        })
      ),
    delete: (teamId, id) => Effect.sync(() => Option.isSome(owned(teamId, id)) && keys.delete(id)),
    touch: (id, at) =>
      Effect.sync(() => {
        const stored = keys.get(id)
        if (stored !== undefined)
          keys.set(id, { key: ApiKey.make({ ...stored.key, lastUsedAt: at }), hash: stored.hash })
      }),
    // Memory never held keys from before peppering.
    legacyHashes: () => Effect.succeed([]),
    pepperLegacyHash: () => Effect.succeed(false)
  })

  const teamRepository = TeamRepository.of({
    createFirst: (name, key) =>
      Effect.sync(() => {
        if (teams.size > 0) return Option.none()
        const team = newTeam(name)
        store({ ...key, teamId: team.id })
        return Option.some(team)
      }),
    create: (name) => Effect.sync(() => newTeam(name)),
    get: (id) => Effect.sync(() => Option.fromNullable(teams.get(id))),
    list: () => Effect.sync(() => [...teams.values()])
  })

  const domainRepository = MemoryDomainRepository.make(state)
  const domainDirectory = DomainDirectory.of({
    resolve: (teamId, ref) =>
      Effect.map(
        domainRepository.get(teamId, ref),
        Option.map((d) => d.id)
      )
  })

  const addDomain = (teamId: TeamId, publicId: string): DomainId =>
    MemoryDomainRepository.newDomain(state, { teamId, publicId, name: `${publicId}.example.com` }).id

  return {
    apiKeys,
    teamRepository,
    domainDirectory,
    domainRepository,
    dkimKeys: MemoryDkimKeyRepository.make(state),
    ipAddresses: MemoryIpAddressRepository.make(state),
    inbound: MemoryInboundRepository.make(state),
    addDomain,
    events: state.events
  }
})

/** Test seam of the memory layer: registers a domain the way the domains module will. */
export class MemoryTenancy extends Context.Tag("@poststack/adapters-persistence/MemoryTenancy")<
  MemoryTenancy,
  {
    readonly addDomain: (teamId: TeamId, publicId: string) => DomainId
    /** The outbox as written so far, oldest first. */
    readonly events: ReadonlyArray<MemoryDomainRepository.StoredEvent>
  }
>() {}

export const layer = Layer.effectContext(
  Effect.map(
    Effect.all([make, MemorySubscriptionRepository.make, MemoryUsageMeter.make]),
    ([m, subscriptions, usage]) =>
      Context.make(ApiKeyRepository, m.apiKeys).pipe(
        Context.add(TeamRepository, m.teamRepository),
        Context.add(DomainDirectory, m.domainDirectory),
        Context.add(DomainRepository, m.domainRepository),
        Context.add(DkimKeyRepository, m.dkimKeys),
        Context.add(IpAddressRepository, m.ipAddresses),
        Context.add(InboundRepository, m.inbound),
        Context.add(MemoryTenancy, { addDomain: m.addDomain, events: m.events }),
        Context.add(SubscriptionRepository, subscriptions),
        Context.add(UsageMeter, usage.meter)
      )
  )
)
