import { MemoryAccounts, MemoryIdentityRepository } from "@poststack/adapters-persistence"
import { IdentityRepository, UserRepository } from "@poststack/application"
import type { UserId } from "@poststack/domain"
import { Effect, Layer, Option } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { memorySubject as memoryTwins, type PortSubject, postgresSubject } from "./portSubjects.js"

type Ports = UserRepository | IdentityRepository

type Subject = PortSubject<Ports>

const memorySubject = memoryTwins(Layer.merge(MemoryAccounts.layer, MemoryIdentityRepository.layer))

let n = 0
const hex = (length: number) =>
  Array.from({ length }, () => "0123456789abcdef"[Math.floor(Math.random() * 16)]).join("")
const person = Effect.gen(function* () {
  const id = `usr_${hex(24)}` as UserId
  yield* (yield* UserRepository).create(
    { id, email: `linked${++n}@people.test`, name: "", passwordHash: null, timeZone: "UTC" },
    "Team"
  )
  return id
})
const profile = (providerId: string, name = "Octo") => ({
  providerId,
  name,
  email: `gh${providerId}@people.test`,
  avatarUrl: `https://avatars.githubusercontent.com/u/${providerId}`
})

for (const [name, make] of [
  ["memory", memorySubject],
  ["postgres", postgresSubject]
] as const) {
  describe(`IdentityRepository contract (${name})`, () => {
    let subject: Subject
    beforeAll(async () => {
      subject = await make()
    })
    afterAll(async () => {
      await subject?.close()
    })

    it("links one GitHub account per person, refreshes its profile, refuses it to anyone else, and unlinks", async () => {
      await subject.run(
        Effect.gen(function* () {
          const identities = yield* IdentityRepository
          const a = yield* person
          const b = yield* person
          const id = hex(8)
          yield* identities.link(a, "github", profile(id))
          expect(yield* identities.find("github", id)).toEqual(Option.some(a))
          yield* identities.link(a, "github", profile(id, "Octo Renamed"))
          const [only, ...rest] = yield* identities.forUser(a)
          expect(rest).toEqual([])
          expect(only).toMatchObject({
            provider: "github",
            providerId: id,
            name: "Octo Renamed",
            avatarUrl: profile(id).avatarUrl
          })
          expect(only?.linkedAt).toBeInstanceOf(Date)
          const stolen = yield* Effect.flip(identities.link(b, "github", profile(id)))
          expect(stolen._tag).toBe("AlreadyExists")
          const second = yield* Effect.flip(identities.link(a, "github", profile(hex(8))))
          expect(second._tag).toBe("AlreadyExists")
          expect(yield* identities.unlink(b, "github")).toBe(false)
          expect(yield* identities.unlink(a, "github")).toBe(true)
          expect(Option.isNone(yield* identities.find("github", id))).toBe(true)
          yield* identities.link(b, "github", profile(id))
          expect(yield* identities.find("github", id)).toEqual(Option.some(b))
        })
      )
    })
  })
}
