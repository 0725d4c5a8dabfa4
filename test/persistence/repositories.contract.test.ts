import { MemoryRepositories, PgDatabase, PgPersistence } from "@poststack/adapters-persistence"
import { ApiKeyRepository, DomainDirectory, type NewApiKey, TeamRepository } from "@poststack/application"
import type { ApiKeyId, DomainId, TeamId } from "@poststack/domain"
import { Effect, Layer, ManagedRuntime, Option, Redacted } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { createTestDatabase, query } from "../support/database.js"

type Ports = ApiKeyRepository | TeamRepository | DomainDirectory

interface Subject {
  readonly run: <A, E>(effect: Effect.Effect<A, E, Ports>) => Promise<A>
  readonly addDomain: (teamId: TeamId, publicId: string) => Promise<DomainId>
  readonly close: () => Promise<void>
}

const hashOf = (n: number) =>
  new Uint8Array(32).fill(n % 256).map((b, i) => (i === 0 ? Math.floor(n / 256) : b))
let counter = 1
const newKey = (teamId: TeamId, overrides: Partial<NewApiKey> = {}): NewApiKey => ({
  teamId,
  name: `key ${counter}`,
  keyHash: hashOf(counter++),
  keyPrefix: "sk_live_abcd",
  permission: "sending_access",
  mode: "live",
  domainId: null,
  ...overrides
})

const memorySubject = async (): Promise<Subject> => {
  const runtime = ManagedRuntime.make(MemoryRepositories.layer)
  return {
    run: (effect) => runtime.runPromise(effect),
    addDomain: (teamId, publicId) =>
      runtime.runPromise(Effect.map(MemoryRepositories.MemoryTenancy, (t) => t.addDomain(teamId, publicId))),
    close: () => runtime.dispose()
  }
}

const postgresSubject = async (): Promise<Subject> => {
  const db = await createTestDatabase()
  const runtime = ManagedRuntime.make(
    PgPersistence.pipe(Layer.provideMerge(PgDatabase.layer(Redacted.make(db.url), { maxConnections: 4 })))
  )
  return {
    run: (effect) => runtime.runPromise(effect),
    addDomain: async (teamId, publicId) => {
      const rows = await query<{ id: number }>(
        db.url,
        "INSERT INTO domains (team_id, public_id, name) VALUES ($1, $2, $3) RETURNING id",
        [teamId, publicId, `${publicId}.example.com`]
      )
      return rows[0]?.id as DomainId
    },
    close: async () => {
      await runtime.dispose()
      await db.drop()
    }
  }
}

const contract = (name: string, make: () => Promise<Subject>) =>
  describe(`tenancy repositories: ${name}`, () => {
    let s: Subject
    beforeAll(async () => {
      s = await make()
    })
    afterAll(() => s.close())

    const team = () => s.run(Effect.flatMap(TeamRepository, (t) => t.create("team")))

    it("stores a key and finds it by hash, in any team", async () => {
      const t = await team()
      const input = newKey(t.id)
      const stored = await s.run(Effect.flatMap(ApiKeyRepository, (r) => r.insert(input)))
      expect(stored).toMatchObject({
        teamId: t.id,
        name: input.name,
        permission: "sending_access",
        lastUsedAt: null
      })
      const found = await s.run(Effect.flatMap(ApiKeyRepository, (r) => r.findByHash(input.keyHash)))
      expect(Option.getOrThrow(found).id).toBe(stored.id)
      const missing = await s.run(Effect.flatMap(ApiKeyRepository, (r) => r.findByHash(hashOf(99_999))))
      expect(Option.isNone(missing)).toBe(true)
    })

    it("keeps every read and write inside the team", async () => {
      const a = await team()
      const b = await team()
      const keyOfB = await s.run(Effect.flatMap(ApiKeyRepository, (r) => r.insert(newKey(b.id))))
      const id = keyOfB.id as ApiKeyId
      await s.run(
        Effect.gen(function* () {
          const r = yield* ApiKeyRepository
          expect(yield* r.list(a.id)).toEqual([])
          expect(Option.isNone(yield* r.get(a.id, id))).toBe(true)
          expect(Option.isNone(yield* r.rename(a.id, id, "stolen"))).toBe(true)
          expect(
            Option.isNone(yield* r.rotate(a.id, id, { keyHash: hashOf(counter++), keyPrefix: "x" }))
          ).toBe(true)
          expect(yield* r.delete(a.id, id)).toBe(false)
          expect(Option.getOrThrow(yield* r.get(b.id, id)).name).toBe(keyOfB.name)
        })
      )
    })

    it("renames, rotates atomically and deletes", async () => {
      const t = await team()
      const original = await s.run(
        Effect.flatMap(ApiKeyRepository, (r) => r.insert(newKey(t.id, { mode: "test" })))
      )
      await s.run(
        Effect.gen(function* () {
          const r = yield* ApiKeyRepository
          const renamed = Option.getOrThrow(yield* r.rename(t.id, original.id, "renamed"))
          expect(renamed.name).toBe("renamed")
          const newHash = hashOf(counter++)
          const rotated = Option.getOrThrow(
            yield* r.rotate(t.id, original.id, { keyHash: newHash, keyPrefix: "sk_test_new1" })
          )
          expect(rotated).toMatchObject({
            name: "renamed",
            mode: "test",
            permission: "sending_access",
            keyPrefix: "sk_test_new1"
          })
          expect(rotated.id).not.toBe(original.id)
          expect(Option.isNone(yield* r.get(t.id, original.id))).toBe(true)
          expect(Option.getOrThrow(yield* r.findByHash(newHash)).id).toBe(rotated.id)
          expect(yield* r.delete(t.id, rotated.id)).toBe(true)
          expect(yield* r.delete(t.id, rotated.id)).toBe(false)
        })
      )
    })

    it("touches lastUsedAt", async () => {
      const t = await team()
      const key = await s.run(Effect.flatMap(ApiKeyRepository, (r) => r.insert(newKey(t.id))))
      const at = new Date("2026-11-27T12:00:00.000Z")
      await s.run(Effect.flatMap(ApiKeyRepository, (r) => r.touch(key.id, at)))
      const after = await s.run(Effect.flatMap(ApiKeyRepository, (r) => r.get(t.id, key.id)))
      expect(Option.getOrThrow(after).lastUsedAt?.toISOString()).toBe(at.toISOString())
    })

    it("resolves only the team's own domains, by id or public id", async () => {
      const a = await team()
      const b = await team()
      const suffix = Math.random().toString(36).slice(2, 8)
      const mine = await s.addDomain(a.id, `dom_a${suffix}`)
      await s.addDomain(b.id, `dom_b${suffix}`)
      await s.run(
        Effect.gen(function* () {
          const d = yield* DomainDirectory
          expect(Option.getOrThrow(yield* d.resolve(a.id, { _tag: "Numeric", id: mine }))).toBe(mine)
          expect(
            Option.getOrThrow(yield* d.resolve(a.id, { _tag: "Public", publicId: `dom_a${suffix}` }))
          ).toBe(mine)
          expect(Option.isNone(yield* d.resolve(b.id, { _tag: "Numeric", id: mine }))).toBe(true)
          expect(Option.isNone(yield* d.resolve(a.id, { _tag: "Public", publicId: `dom_b${suffix}` }))).toBe(
            true
          )
        })
      )
    })
  })

contract("memory", memorySubject)
contract("postgres", postgresSubject)

describe("first team (postgres)", () => {
  it("is created exactly once when many processes race", async () => {
    const db = await createTestDatabase()
    const runtimes = Array.from({ length: 4 }, () =>
      ManagedRuntime.make(
        PgPersistence.pipe(Layer.provideMerge(PgDatabase.layer(Redacted.make(db.url), { maxConnections: 2 })))
      )
    )
    try {
      const results = await Promise.all(
        runtimes.map((rt, i) =>
          rt.runPromise(
            Effect.flatMap(TeamRepository, (t) =>
              t.createFirst("Default team", { ...newKey(0 as TeamId), name: `bootstrap ${i}` })
            )
          )
        )
      )
      expect(results.filter(Option.isSome)).toHaveLength(1)
      expect(await query(db.url, "SELECT id FROM teams")).toHaveLength(1)
      expect(await query(db.url, "SELECT id FROM api_keys")).toHaveLength(1)
    } finally {
      await Promise.all(runtimes.map((rt) => rt.dispose()))
      await db.drop()
    }
  })
})
