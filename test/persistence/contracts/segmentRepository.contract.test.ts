import { audienceIds, ContactRepository, SegmentAudience, SegmentRepository } from "@poststack/application"
import {
  type ContactPublicId,
  growthDays,
  resolveRules,
  type SegmentAudienceOf,
  type SegmentRules
} from "@poststack/domain"
import { Chunk, Effect, Either, Option, Stream } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { newTeam, type Subject, subjects } from "./subjects.js"

const person = (email: string, firstName: string | null = null) => ({
  email,
  firstName,
  lastName: null,
  unsubscribed: false,
  properties: {}
})

for (const [name, start] of subjects) {
  describe(`SegmentRepository and SegmentAudience contract: ${name}`, () => {
    let s: Subject
    beforeAll(async () => {
      s = await start()
    })
    afterAll(() => s.close())

    const segments = <A, E>(f: (r: SegmentRepository["Type"]) => Effect.Effect<A, E>) =>
      s.run(Effect.flatMap(SegmentRepository, f))
    const audience = <A, E>(f: (r: SegmentAudience["Type"]) => Effect.Effect<A, E>) =>
      s.run(Effect.flatMap(SegmentAudience, f))
    const contactsOf = async (team: Awaited<ReturnType<typeof newTeam>>, emails: ReadonlyArray<string>) => {
      const out: Array<ContactPublicId> = []
      for (const email of emails)
        out.push(
          (
            await s.run(
              Effect.flatMap(ContactRepository, (r) =>
                r.create(team, person(email, email[0] ?? null), () => [])
              )
            )
          ).publicId
        )
      return out
    }

    it("creates, lists newest first, renames, and keeps each team's segments to itself", async () => {
      const [a, b] = [await newTeam(s), await newTeam(s)]
      const first = await segments((r) => r.create(a, "First", null))
      const rules: SegmentRules = { operator: "and", conditions: [{ field: "email", comparator: "is_set" }] }
      const second = await segments((r) => r.create(a, "Second", rules))
      expect(first.publicId).toMatch(/^seg_[0-9a-f]{24}$/)
      expect((await segments((r) => r.list(a))).map((x) => x.name)).toEqual(["Second", "First"])
      expect(await segments((r) => r.list(b))).toEqual([])
      expect(Option.isNone(await segments((r) => r.get(b, first.publicId)))).toBe(true)
      expect(Option.isNone(await segments((r) => r.update(b, first.publicId, { name: "x" })))).toBe(true)
      expect(await segments((r) => r.remove(b, first.publicId))).toBe(false)
      const renamed = Option.getOrThrow(
        await segments((r) => r.update(a, second.publicId, { name: "Renamed" }))
      )
      expect(renamed).toMatchObject({ name: "Renamed", rules })
      expect(Option.getOrThrow(await segments((r) => r.get(a, second.publicId))).name).toBe("Renamed")
      expect(await segments((r) => r.remove(a, first.publicId))).toBe(true)
      expect(Option.isNone(await segments((r) => r.get(a, first.publicId)))).toBe(true)
    })

    it("adds members all or none, counts them, walks them by cursor, and forgets deleted contacts", async () => {
      const [a, b] = [await newTeam(s), await newTeam(s)]
      const ids = await contactsOf(a, ["a1@x.test", "a2@x.test", "a3@x.test", "a4@x.test", "a5@x.test"])
      const [foreign] = await contactsOf(b, ["b1@x.test"])
      const segment = await segments((r) => r.create(a, "Manual", null))
      const members: SegmentAudienceOf = { _tag: "Members", segmentId: segment.id }
      expect(
        await segments((r) =>
          r.addMembers(a, segment.id, [ids[0] as ContactPublicId, foreign as ContactPublicId])
        )
      ).toEqual({
        _tag: "Unknown",
        unknown: [foreign]
      })
      expect(await audience((r) => r.count(a, members))).toBe(0)
      expect(await segments((r) => r.addMembers(a, segment.id, [...ids, ids[0] as ContactPublicId]))).toEqual(
        {
          _tag: "Added",
          added: 5
        }
      )
      expect(await segments((r) => r.addMembers(a, segment.id, ids.slice(0, 2)))).toEqual({
        _tag: "Added",
        added: 0
      })
      expect(await audience((r) => r.count(a, members))).toBe(5)
      // Another team reading through this segment's id sees none of its members.
      expect(await audience((r) => r.count(b, members))).toBe(0)
      const walked = await s.run(Stream.runCollect(audienceIds(a, members, 2)))
      expect(Chunk.size(walked)).toBe(5)
      expect([...walked]).toEqual([...walked].sort((x, y) => x - y))
      expect(await segments((r) => r.removeMember(a, segment.id, ids[4] as ContactPublicId))).toBe(true)
      expect(await segments((r) => r.removeMember(a, segment.id, ids[4] as ContactPublicId))).toBe(false)
      expect(await segments((r) => r.removeMember(b, segment.id, ids[3] as ContactPublicId))).toBe(false)
      await s.run(Effect.flatMap(ContactRepository, (r) => r.remove(a, ids[3] as ContactPublicId, () => [])))
      expect(await audience((r) => r.count(a, members))).toBe(3)
      const listed = await s.run(
        Effect.flatMap(ContactRepository, (r) => r.list(a, { segment: members, search: "a2" }, 1, 10))
      )
      expect(listed.contacts.map((c) => c.email)).toEqual(["a2@x.test"])
      const today = growthDays(new Date(), 2)
      expect(await segments((r) => r.growth(a, segment.id, today))).toEqual([
        { date: today[0], members: 0 },
        { date: today[1], members: 3 }
      ])
      // Giving rules to a manual segment drops its member rows.
      const rules: SegmentRules = {
        operator: "or",
        conditions: [{ field: "email", comparator: "ends_with", value: "@x.test" }]
      }
      await segments((r) => r.update(a, segment.publicId, { rules }))
      await segments((r) => r.update(a, segment.publicId, { rules: null }))
      expect(await audience((r) => r.count(a, members))).toBe(0)
    })

    it("selects a rule segment's contacts in the team only, the same way for count, ids and lists", async () => {
      const [a, b] = [await newTeam(s), await newTeam(s)]
      await contactsOf(a, ["ann@x.test", "bob@x.test", "anna@y.test"])
      await contactsOf(b, ["ann@z.test"])
      const rules: SegmentRules = {
        operator: "and",
        conditions: [
          { field: "firstName", comparator: "equals", value: "A" },
          { field: "emailsOpened", comparator: "less_than", value: "1" }
        ]
      }
      const resolved = Either.getOrThrow(resolveRules(rules, []))
      const byRules: SegmentAudienceOf = { _tag: "Rules", rules: resolved, now: new Date() }
      expect(await audience((r) => r.count(a, byRules))).toBe(2)
      expect(await audience((r) => r.ids(a, byRules, null, 10))).toHaveLength(2)
      const all = await s.run(Effect.flatMap(ContactRepository, (r) => r.all(a, byRules)))
      expect(all.map((c) => c.email)).toEqual(["ann@x.test", "anna@y.test"])
    })
  })
}
