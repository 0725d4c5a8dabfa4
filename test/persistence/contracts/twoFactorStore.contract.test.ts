import { MemoryAccounts, MemoryTwoFactorStore } from "@poststack/adapters-persistence"
import { TwoFactorStore, UserRepository } from "@poststack/application"
import type { UserId } from "@poststack/domain"
import { Effect, Layer, Option } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { memorySubject as memoryTwins, type PortSubject, postgresSubject } from "./portSubjects.js"

type Ports = UserRepository | TwoFactorStore

type Subject = PortSubject<Ports>

const memorySubject = memoryTwins(Layer.merge(MemoryAccounts.layer, MemoryTwoFactorStore.layer))

let n = 0
const hex = (length: number) =>
  Array.from({ length }, () => "0123456789abcdef"[Math.floor(Math.random() * 16)]).join("")
const bytes = () => new Uint8Array(32).map(() => Math.floor(Math.random() * 256))
const codeHash = () => hex(64)

const person = Effect.gen(function* () {
  const id = `usr_${hex(24)}` as UserId
  yield* (yield* UserRepository).create(
    { id, email: `two${++n}@people.test`, name: "", passwordHash: null, timeZone: "UTC" },
    "Team"
  )
  return id
})

for (const [name, make] of [
  ["memory", memorySubject],
  ["postgres", postgresSubject]
] as const) {
  describe(`TwoFactorStore contract (${name})`, () => {
    let subject: Subject
    beforeAll(async () => {
      subject = await make()
    })
    afterAll(async () => {
      await subject?.close()
    })

    it("keeps a secret waiting until enabled, then refuses a new enrolment until disabled", async () => {
      await subject.run(
        Effect.gen(function* () {
          const store = yield* TwoFactorStore
          const id = yield* person
          expect((yield* store.status(id)).enabled).toBe(false)
          const first = bytes()
          const second = bytes()
          expect(yield* store.begin(id, first)).toBe(true)
          expect(yield* store.begin(id, second)).toBe(true)
          const waiting = Option.getOrThrow(yield* store.factor(id))
          expect(waiting).toEqual({ sealedSecret: second, enabled: false })
          // Nothing is used before the factor is on.
          expect(yield* store.useStep(id, 10)).toBe(false)
          const hashes = Array.from({ length: 10 }, codeHash)
          expect(yield* store.enable(id, 100, hashes, new Date())).toBe(true)
          expect(yield* store.enable(id, 101, hashes, new Date())).toBe(false)
          expect(yield* store.status(id)).toMatchObject({ enabled: true, backupCodesLeft: 10 })
          expect(yield* store.begin(id, bytes())).toBe(false)
          expect(Option.getOrThrow(yield* store.factor(id)).sealedSecret).toEqual(second)
          expect(yield* store.disable(id)).toBe(true)
          expect(yield* store.disable(id)).toBe(false)
          expect(yield* store.status(id)).toMatchObject({ enabled: false, backupCodesLeft: 0 })
          expect(Option.isNone(yield* store.factor(id))).toBe(true)
        })
      )
    })

    it("takes each step once and never an older one, and each backup code once, for its owner only", async () => {
      await subject.run(
        Effect.gen(function* () {
          const store = yield* TwoFactorStore
          const id = yield* person
          const other = yield* person
          const hashes = Array.from({ length: 10 }, codeHash)
          yield* store.begin(id, bytes())
          yield* store.enable(id, 100, hashes, new Date())
          expect(yield* store.useStep(id, 100)).toBe(false)
          expect(yield* store.useStep(id, 101)).toBe(true)
          expect(yield* store.useStep(id, 101)).toBe(false)
          expect(yield* store.useStep(id, 100)).toBe(false)
          const [a = "", b = ""] = hashes
          expect(yield* store.useBackupCode(other, a, new Date())).toBe(false)
          expect(yield* store.useBackupCode(id, a, new Date())).toBe(true)
          expect(yield* store.useBackupCode(id, a, new Date())).toBe(false)
          expect(yield* store.useBackupCode(id, codeHash(), new Date())).toBe(false)
          const both = yield* Effect.all(
            [store.useBackupCode(id, b, new Date()), store.useBackupCode(id, b, new Date())],
            {
              concurrency: 2
            }
          )
          expect(both.filter(Boolean)).toHaveLength(1)
          expect((yield* store.status(id)).backupCodesLeft).toBe(8)
        })
      )
    })

    it("finds a challenge until it expires, and ends it once", async () => {
      await subject.run(
        Effect.gen(function* () {
          const store = yield* TwoFactorStore
          const id = yield* person
          const tokenHash = bytes()
          const now = new Date()
          yield* store.createChallenge({ tokenHash, userId: id, expiresAt: new Date(now.getTime() + 60_000) })
          expect(yield* store.findChallenge(tokenHash, now)).toEqual(Option.some(id))
          expect(Option.isNone(yield* store.findChallenge(tokenHash, new Date(now.getTime() + 60_000)))).toBe(
            true
          )
          expect(Option.isNone(yield* store.findChallenge(bytes(), now))).toBe(true)
          expect(yield* store.endChallenge(tokenHash)).toBe(true)
          expect(yield* store.endChallenge(tokenHash)).toBe(false)
          expect(Option.isNone(yield* store.findChallenge(tokenHash, now))).toBe(true)
        })
      )
    })
  })
}
