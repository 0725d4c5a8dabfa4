import { DkimKeyRepository } from "@poststack/application"
import { DkimKey, type DkimKeyId, type DomainId, type TeamId } from "@poststack/domain"
import { Effect, Option } from "effect"
import type { MemoryDomainState, StoredDkimKey } from "./MemoryDomainRepository.js"

/** `DkimKeyRepository` over the memory domains' state; the same contract suite runs against `PgDkimKeyRepository`. */
export const make = (state: MemoryDomainState) => {
  const keysOf = (domainId: DomainId) =>
    [...state.dkimKeys.values()].filter((s) => s.key.domainId === domainId)
  const liveDomain = (domainId: DomainId) => {
    const stored = state.domains.get(domainId)
    return stored === undefined || stored.deleted ? undefined : stored.domain
  }
  const change = (stored: StoredDkimKey, changes: Partial<DkimKey>) => {
    state.dkimKeys.set(stored.key.id, { ...stored, key: DkimKey.make({ ...stored.key, ...changes }) })
  }

  return DkimKeyRepository.of({
    keys: (domainId) =>
      Effect.sync(() =>
        keysOf(domainId)
          .filter((s) => s.key.state !== "retired")
          .map((s) => s.key)
      ),
    selectors: (domainId) => Effect.sync(() => keysOf(domainId).map((s) => s.key.selector)),
    signingKey: (domainId) =>
      Effect.sync(() => {
        const domain = liveDomain(domainId)
        const active = keysOf(domainId).find((s) => s.key.state === "active")
        if (domain === undefined || domain.status !== "verified" || active === undefined) return Option.none()
        return Option.some({
          keyId: active.key.id,
          domainName: domain.name,
          selector: active.key.selector,
          sealedPrivateKey: active.sealedPrivateKey
        })
      }),
    addPending: (domainId, input) =>
      Effect.sync(() => {
        if (keysOf(domainId).some((s) => s.key.state === "pending")) return Option.none()
        const key = DkimKey.make({
          id: state.nextId() as DkimKeyId,
          domainId,
          selector: input.selector,
          publicKey: input.publicKey,
          state: "pending",
          createdAt: new Date(),
          publishedAt: null,
          activatesAfter: null,
          retireAfter: null
        })
        state.dkimKeys.set(key.id, { key, sealedPrivateKey: input.sealedPrivateKey })
        return Option.some(key)
      }),
    markPublished: (keyId, publishedAt, activatesAfter) =>
      Effect.sync(() => {
        const stored = state.dkimKeys.get(keyId)
        if (stored !== undefined && stored.key.publishedAt === null)
          change(stored, { publishedAt, activatesAfter })
      }),
    activatePending: (domainId, keyId, retireAfter) =>
      Effect.sync(() => {
        const pending = state.dkimKeys.get(keyId)
        if (
          pending === undefined ||
          pending.key.domainId !== domainId ||
          pending.key.state !== "pending" ||
          pending.key.publishedAt === null
        )
          return false
        for (const s of keysOf(domainId))
          if (s.key.state === "active") change(s, { state: "retiring", retireAfter })
        change(pending, { state: "active" })
        return true
      }),
    cancelPending: (domainId) =>
      Effect.sync(() => {
        const pending = keysOf(domainId).filter((s) => s.key.state === "pending")
        for (const s of pending) change(s, { state: "retired" })
        return pending.length > 0
      }),
    dueForActivation: (now) =>
      Effect.sync(() =>
        [...state.dkimKeys.values()].flatMap(({ key }) => {
          const domain = liveDomain(key.domainId)
          return key.state === "pending" &&
            key.activatesAfter !== null &&
            key.activatesAfter.getTime() <= now.getTime() &&
            domain !== undefined
            ? [{ teamId: domain.teamId, domainId: domain.id, domainName: domain.name, key }]
            : []
        })
      ),
    retireExpired: (now) =>
      Effect.sync(() =>
        [...state.dkimKeys.values()].flatMap((stored) => {
          const { key } = stored
          const domain = state.domains.get(key.domainId)?.domain
          if (
            key.state !== "retiring" ||
            key.retireAfter === null ||
            key.retireAfter.getTime() > now.getTime() ||
            domain === undefined
          )
            return []
          change(stored, { state: "retired" })
          return [{ teamId: domain.teamId as TeamId, domainId: key.domainId }]
        })
      )
  })
}
