import { ContactRepository, type NewContact } from "@poststack/application"
import { type ContactPublicId, contactEvent } from "@poststack/domain"
import { Effect, Either, Option } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { newTeam, type Subject, subjects } from "./subjects.js"

const person = (email: string, overrides: Partial<NewContact> = {}): NewContact => ({
  email,
  firstName: null,
  lastName: null,
  unsubscribed: false,
  properties: {},
  ...overrides
})

for (const [name, start] of subjects) {
  describe(`ContactRepository contract: ${name}`, () => {
    let s: Subject
    const repo = <A, E>(f: (r: ContactRepository["Type"]) => Effect.Effect<A, E>) =>
      s.run(Effect.flatMap(ContactRepository, f))
    beforeAll(async () => {
      s = await start()
    })
    afterAll(() => s.close())

    it("creates once per address whatever its case, per team, writing the outbox event with it", async () => {
      const [a, b] = [await newTeam(s), await newTeam(s)]
      const created = await repo((r) =>
        r.create(a, person("Ann@example.com", { firstName: "Ann", properties: { plan: "pro" } }), (c) => [
          contactEvent("contact.created", c)
        ])
      )
      expect(created).toMatchObject({
        publicId: expect.stringMatching(/^con_[0-9a-f]{24}$/),
        email: "Ann@example.com",
        firstName: "Ann",
        unsubscribed: false,
        properties: { plan: "pro" },
        engagementSegment: "dormant"
      })
      const again = await repo((r) => Effect.either(r.create(a, person("ann@EXAMPLE.com"), () => [])))
      expect(Either.isLeft(again) && again.left._tag).toBe("ContactAlreadyExists")
      await repo((r) => r.create(b, person("ann@example.com"), () => []))
      expect((await s.events(a)).map((e) => e.type)).toEqual(["contact.created"])
      expect((await s.events(a))[0]?.payload).toMatchObject({
        contact_id: created.publicId,
        email: "Ann@example.com"
      })
      expect(Option.getOrThrow(await repo((r) => r.getByEmail(a, "ANN@example.com"))).publicId).toBe(
        created.publicId
      )
      expect(Option.isNone(await repo((r) => r.get(b, created.publicId)))).toBe(true)
    })

    it("lists newest first, searching email and names case-insensitively, filtering", async () => {
      const team = await newTeam(s)
      for (const [email, firstName, unsubscribed] of [
        ["one@example.com", "Zed", false],
        ["two@example.com", "Amy", true],
        ["three@example.com", "zeDDY", false]
      ] as const) {
        await repo((r) => r.create(team, person(email, { firstName, unsubscribed }), () => []))
        await new Promise((r) => setTimeout(r, 5))
      }
      const all = await repo((r) => r.list(team, {}, 1, 2))
      expect(all.total).toBe(3)
      expect(all.contacts.map((c) => c.email)).toEqual(["three@example.com", "two@example.com"])
      expect(
        (await repo((r) => r.list(team, { search: "ZED" }, 1, 20))).contacts.map((c) => c.email)
      ).toEqual(["three@example.com", "one@example.com"])
      expect((await repo((r) => r.list(team, { search: "TWO@" }, 1, 20))).total).toBe(1)
      expect(
        (await repo((r) => r.list(team, { unsubscribed: true }, 1, 20))).contacts.map((c) => c.email)
      ).toEqual(["two@example.com"])
      expect((await repo((r) => r.list(team, { engagementSegment: "active" }, 1, 20))).total).toBe(0)
      // A bounded total stops at the bound, exact below it; the page is not cut.
      const bounded = await repo((r) => r.list(team, { search: "example" }, 1, 20, 2))
      expect([bounded.total, bounded.contacts.length]).toEqual([2, 3])
      expect((await repo((r) => r.list(team, { search: "ZED" }, 1, 20, 5))).total).toBe(2)
    })

    it("updates only the given fields and removes, each with its events; a foreign id is None", async () => {
      const [team, other] = [await newTeam(s), await newTeam(s)]
      const c = await repo((r) => r.create(team, person("u@example.com", { firstName: "U" }), () => []))
      const updated = Option.getOrThrow(
        await repo((r) =>
          r.update(team, c.publicId, { lastName: "V", properties: { a: 1 } }, (x) => [
            contactEvent("contact.updated", x)
          ])
        )
      )
      expect(updated).toMatchObject({ firstName: "U", lastName: "V", properties: { a: 1 } })
      expect(updated.updatedAt.getTime()).toBeGreaterThanOrEqual(c.updatedAt.getTime())
      expect(
        Option.isNone(await repo((r) => r.update(other, c.publicId, { firstName: "X" }, () => [])))
      ).toBe(true)
      expect(Option.isNone(await repo((r) => r.remove(other, c.publicId, () => [])))).toBe(true)
      expect(
        Option.isSome(
          await repo((r) => r.remove(team, c.publicId, (x) => [contactEvent("contact.deleted", x)]))
        )
      ).toBe(true)
      expect(Option.isNone(await repo((r) => r.get(team, c.publicId)))).toBe(true)
      expect(
        Option.isNone(await repo((r) => r.get(team, "con_000000000000000000000000" as ContactPublicId)))
      ).toBe(true)
      expect((await s.events(team)).map((e) => e.type)).toEqual(["contact.updated", "contact.deleted"])
    })

    it("imports new addresses, skipping existing ones and repeats without updating them", async () => {
      const team = await newTeam(s)
      await repo((r) => r.create(team, person("old@example.com", { firstName: "Old" }), () => []))
      const result = await repo((r) =>
        r.importMany(
          team,
          [
            person("new1@example.com", { firstName: "N1" }),
            person("OLD@example.com", { firstName: "Changed" }),
            person("new2@example.com"),
            person("NEW1@example.com", { firstName: "Repeat" })
          ],
          (c) => [contactEvent("contact.created", c)]
        )
      )
      expect(result).toEqual({ imported: 2, skipped: ["OLD@example.com", "NEW1@example.com"] })
      expect(Option.getOrThrow(await repo((r) => r.getByEmail(team, "old@example.com"))).firstName).toBe(
        "Old"
      )
      expect(Option.getOrThrow(await repo((r) => r.getByEmail(team, "new1@example.com"))).firstName).toBe(
        "N1"
      )
      expect((await s.events(team)).filter((e) => e.type === "contact.created")).toHaveLength(2)
      expect((await repo((r) => r.all(team))).map((c) => c.email)).toEqual([
        "old@example.com",
        "new1@example.com",
        "new2@example.com"
      ])
    })
  })
}
