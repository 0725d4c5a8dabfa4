import { ContactRepository, TopicRepository } from "@poststack/application"
import {
  type Contact,
  type ContactId,
  contactEvent,
  type TeamId,
  type TopicPublicId
} from "@poststack/domain"
import { Effect, Option } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { newTeam, type Subject, subjects } from "./subjects.js"

for (const [name, start] of subjects) {
  describe(`TopicRepository contract: ${name}`, () => {
    let s: Subject
    const topics = <A, E>(f: (r: TopicRepository["Type"]) => Effect.Effect<A, E>) =>
      s.run(Effect.flatMap(TopicRepository, f))
    const contact = (teamId: TeamId, email: string): Promise<Contact> =>
      s.run(
        Effect.flatMap(ContactRepository, (r) =>
          r.create(
            teamId,
            { email, firstName: null, lastName: null, unsubscribed: false, properties: {} },
            () => []
          )
        )
      )
    beforeAll(async () => {
      s = await start()
    })
    afterAll(() => s.close())

    it("creates, reads, updates and removes topics inside their team only", async () => {
      const [a, b] = [await newTeam(s), await newTeam(s)]
      const news = await topics((r) => r.create(a, { name: "News", description: "Monthly" }))
      expect(news).toMatchObject({ name: "News", description: "Monthly", teamId: a })
      expect(news.publicId).toMatch(/^top_[0-9a-f]{24}$/)
      await topics((r) => r.create(a, { name: "Events", description: null }))
      expect((await topics((r) => r.list(a))).map((t) => t.name)).toEqual(["News", "Events"])
      expect(await topics((r) => r.list(b))).toEqual([])
      expect(Option.isNone(await topics((r) => r.get(b, news.publicId)))).toBe(true)
      expect(Option.isNone(await topics((r) => r.getById(b, news.id)))).toBe(true)
      expect(Option.getOrThrow(await topics((r) => r.getById(a, news.id))).publicId).toBe(news.publicId)
      expect(Option.isNone(await topics((r) => r.update(b, news.publicId, { name: "stolen" })))).toBe(true)
      const renamed = Option.getOrThrow(
        await topics((r) => r.update(a, news.publicId, { description: null }))
      )
      expect(renamed).toMatchObject({ name: "News", description: null })
      expect(await topics((r) => r.remove(b, news.publicId))).toBe(false)
      expect(await topics((r) => r.remove(a, news.publicId))).toBe(true)
      expect(await topics((r) => r.remove(a, news.publicId))).toBe(false)
      expect(
        Option.isNone(await topics((r) => r.get(a, "top_000000000000000000000000" as TopicPublicId)))
      ).toBe(true)
    })

    it("is opt-out: counts, pages, choices and opted-out sets agree, and choices write their events", async () => {
      const team = await newTeam(s)
      const topic = await topics((r) => r.create(team, { name: "Digest", description: null }))
      const [ann, bob, cat] = [
        await contact(team, "ann@example.com"),
        await contact(team, "bob@example.com"),
        await contact(team, "cat@example.com")
      ]
      expect(await topics((r) => r.counts(team, topic.id))).toEqual({ subscribed: 3, unsubscribed: 0 })
      const out = Option.getOrThrow(
        await topics((r) => r.choose(team, topic.id, ann, false, [contactEvent("contact.updated", ann)]))
      )
      expect(out).toMatchObject({ topicId: topic.id, contactId: ann.id, subscribed: false })
      expect((await s.events(team)).map((e) => e.type)).toEqual(["contact.updated"])
      expect(await topics((r) => r.counts(team, topic.id))).toEqual({ subscribed: 2, unsubscribed: 1 })
      const inside = await topics((r) => r.subscribers(team, topic.id, true, 1, 10))
      expect(inside.total).toBe(2)
      expect(inside.subscribers.map((x) => x.contact.email)).toEqual(["bob@example.com", "cat@example.com"])
      expect(inside.subscribers[0]?.since).toEqual(bob.createdAt)
      const second = await topics((r) => r.subscribers(team, topic.id, true, 2, 1))
      expect(second.subscribers.map((x) => x.contact.email)).toEqual(["cat@example.com"])
      const outside = await topics((r) => r.subscribers(team, topic.id, false, 1, 10))
      expect(outside.subscribers.map((x) => x.contact.email)).toEqual(["ann@example.com"])
      expect(outside.subscribers[0]?.since).toEqual(out.updatedAt)
      const opted = await topics((r) => r.optedOut(team, topic.id, [ann.id, bob.id, cat.id]))
      expect([...opted]).toEqual([ann.id])
      expect(await topics((r) => r.optedOut(team, topic.id, []))).toEqual(new Set())

      const choices = await topics((r) => r.choicesOf(team, ann.id))
      expect(choices.map((c) => [c.topic.id, c.subscription?.subscribed])).toEqual([[topic.id, false]])
      expect((await topics((r) => r.choicesOf(team, cat.id)))[0]?.subscription).toBeNull()

      // Back in: the same row, now subscribed.
      const back = Option.getOrThrow(await topics((r) => r.choose(team, topic.id, ann, true, [])))
      expect(back).toMatchObject({ id: out.id, subscribed: true })
      expect(await topics((r) => r.counts(team, topic.id))).toEqual({ subscribed: 3, unsubscribed: 0 })
      expect((await s.events(team)).length).toBe(1)
    })

    it("never records a choice across teams, and a deleted contact or topic takes its choices along", async () => {
      const [a, b] = [await newTeam(s), await newTeam(s)]
      const topicA = await topics((r) => r.create(a, { name: "A", description: null }))
      const topicB = await topics((r) => r.create(b, { name: "B", description: null }))
      const ann = await contact(a, "ann@example.com")
      const bea = await contact(b, "bea@example.com")
      const event = [contactEvent("contact.updated", ann)]
      expect(Option.isNone(await topics((r) => r.choose(a, topicB.id, ann, false, event)))).toBe(true)
      expect(Option.isNone(await topics((r) => r.choose(a, topicA.id, bea, false, event)))).toBe(true)
      expect(Option.isNone(await topics((r) => r.choose(b, topicA.id, ann, false, event)))).toBe(true)
      expect(await s.events(a)).toEqual([])
      expect(await topics((r) => r.optedOut(b, topicA.id, [ann.id]))).toEqual(new Set())
      expect(await topics((r) => r.counts(b, topicA.id))).toEqual({ subscribed: 1, unsubscribed: 0 })

      await topics((r) => r.choose(a, topicA.id, ann, false, []))
      await s.run(Effect.flatMap(ContactRepository, (r) => r.remove(a, ann.publicId, () => [])))
      expect(await topics((r) => r.counts(a, topicA.id))).toEqual({ subscribed: 0, unsubscribed: 0 })
      expect(await topics((r) => r.optedOut(a, topicA.id, [ann.id as ContactId]))).toEqual(new Set())
      const cal = await contact(a, "cal@example.com")
      await topics((r) => r.choose(a, topicA.id, cal, false, []))
      await topics((r) => r.remove(a, topicA.publicId))
      const again = await topics((r) => r.create(a, { name: "A again", description: null }))
      expect(await topics((r) => r.counts(a, again.id))).toEqual({ subscribed: 1, unsubscribed: 0 })
      expect(await topics((r) => r.choicesOf(a, cal.id))).toEqual([{ topic: again, subscription: null }])
    })
  })
}
