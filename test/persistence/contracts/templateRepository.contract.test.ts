import { type NewTemplate, TemplateRepository } from "@poststack/application"
import type { TemplatePublicId } from "@poststack/domain"
import { Effect, Option } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { newTeam, type Subject, subjects } from "./subjects.js"

const draft = (name: string, subject = "Hi {{ name }}"): NewTemplate => ({
  name,
  subject,
  htmlBody: "<p>{{ name }}</p>",
  textBody: null,
  variables: ["name"],
  builderType: "html",
  builderBlocks: null
})

for (const [name, start] of subjects) {
  describe(`TemplateRepository contract: ${name}`, () => {
    let s: Subject
    const repo = <A, E>(f: (r: TemplateRepository["Type"]) => Effect.Effect<A, E>) =>
      s.run(Effect.flatMap(TemplateRepository, f))
    beforeAll(async () => {
      s = await start()
    })
    afterAll(() => s.close())

    it("creates drafts at version 1, lists newest first with search and published filters, per team", async () => {
      const [a, b] = [await newTeam(s), await newTeam(s)]
      const first = await repo((r) => r.create(a, draft("Order shipped")))
      expect(first).toMatchObject({
        publicId: expect.stringMatching(/^tpl_[0-9a-f]{24}$/),
        teamId: a,
        published: false,
        publishedAt: null,
        version: 1,
        variables: ["name"],
        builderBlocks: null
      })
      const second = await repo((r) => r.create(a, draft("Weekly 100%_news")))
      await repo((r) => r.create(b, draft("Order elsewhere")))
      await repo((r) => r.setPublished(a, second.publicId, true))
      const all = await repo((r) => r.list(a, {}, 1, 10))
      expect(all.total).toBe(2)
      expect(all.templates.map((t) => t.name)).toEqual(["Weekly 100%_news", "Order shipped"])
      expect((await repo((r) => r.list(a, { search: "ORDER" }, 1, 10))).templates.map((t) => t.name)).toEqual(
        ["Order shipped"]
      )
      // `%` and `_` match themselves.
      expect((await repo((r) => r.list(a, { search: "0%_" }, 1, 10))).total).toBe(1)
      expect((await repo((r) => r.list(a, { search: "%" }, 1, 10))).total).toBe(1)
      expect((await repo((r) => r.list(a, { published: true }, 1, 10))).templates.map((t) => t.name)).toEqual(
        ["Weekly 100%_news"]
      )
      expect((await repo((r) => r.list(a, { published: false }, 1, 10))).total).toBe(1)
      const page2 = await repo((r) => r.list(a, {}, 2, 1))
      expect(page2).toMatchObject({ total: 2, templates: [{ name: "Order shipped" }] })
      expect(Option.isNone(await repo((r) => r.get(b, first.publicId)))).toBe(true)
    })

    it("versions: a published template's content edit bumps the version and keeps the old content; drafts and renames do not", async () => {
      const team = await newTeam(s)
      const t = await repo((r) => r.create(team, draft("Versioned", "v1")))
      const edited = Option.getOrThrow(
        await repo((r) => r.update(team, t.publicId, (cur) => ({ ...cur, subject: "v1 edited" })))
      )
      expect(edited).toMatchObject({ subject: "v1 edited", version: 1 })
      const published = Option.getOrThrow(await repo((r) => r.setPublished(team, t.publicId, true)))
      expect(published.published).toBe(true)
      expect(published.publishedAt).toBeInstanceOf(Date)
      const renamed = Option.getOrThrow(
        await repo((r) => r.update(team, t.publicId, (cur) => ({ ...cur, name: "Renamed" })))
      )
      expect(renamed).toMatchObject({ name: "Renamed", version: 1 })
      const v2 = Option.getOrThrow(
        await repo((r) => r.update(team, t.publicId, (cur) => ({ ...cur, subject: "v2", textBody: "text" })))
      )
      expect(v2).toMatchObject({ subject: "v2", textBody: "text", version: 2, published: true })
      const v3 = Option.getOrThrow(
        await repo((r) => r.update(team, t.publicId, (cur) => ({ ...cur, variables: ["name", "extra"] })))
      )
      expect(v3.version).toBe(3)
      const kept = await repo((r) => r.versions(team, t.publicId))
      expect(kept.map((v) => [v.version, v.subject, v.textBody])).toEqual([
        [1, "v1 edited", null],
        [2, "v2", "text"]
      ])
      const stranger = await newTeam(s)
      expect(await repo((r) => r.versions(stranger, t.publicId))).toEqual([])
      const unpublished = Option.getOrThrow(await repo((r) => r.setPublished(team, t.publicId, false)))
      expect(unpublished).toMatchObject({ published: false, publishedAt: null })
    })

    it("updates, publishes and removes only the team's own templates; removal takes the versions with it", async () => {
      const [team, other] = [await newTeam(s), await newTeam(s)]
      const t = await repo((r) =>
        r.create(team, {
          ...draft("Mine"),
          builderType: "visual",
          builderBlocks: { blocks: [{ type: "divider" }] }
        })
      )
      expect(t.builderBlocks).toEqual({ blocks: [{ type: "divider" }] })
      expect(
        Option.isNone(await repo((r) => r.update(other, t.publicId, (c) => ({ ...c, name: "x" }))))
      ).toBe(true)
      expect(Option.isNone(await repo((r) => r.setPublished(other, t.publicId, true)))).toBe(true)
      expect(Option.isNone(await repo((r) => r.remove(other, t.publicId)))).toBe(true)
      await repo((r) => r.setPublished(team, t.publicId, true))
      await repo((r) => r.update(team, t.publicId, (c) => ({ ...c, subject: "changed" })))
      expect(Option.isSome(await repo((r) => r.remove(team, t.publicId)))).toBe(true)
      expect(Option.isNone(await repo((r) => r.get(team, t.publicId)))).toBe(true)
      expect(await repo((r) => r.versions(team, t.publicId))).toEqual([])
      expect(
        Option.isNone(await repo((r) => r.remove(team, "tpl_000000000000000000000000" as TemplatePublicId)))
      ).toBe(true)
    })
  })
}
