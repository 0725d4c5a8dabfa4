import { ContactImport, ContactRepository, type NewContact } from "@poststack/application"
import { contactEvent } from "@poststack/domain"
import { Effect } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { newTeam, type Subject, subjects } from "./subjects.js"

const row = (email: string, firstName: string | null = null): NewContact => ({
  email,
  firstName,
  lastName: null,
  unsubscribed: false,
  properties: { plan: "pro" }
})

for (const [name, start] of subjects) {
  describe(`ContactImport contract: ${name}`, () => {
    let s: Subject
    beforeAll(async () => {
      s = await start()
    })
    afterAll(() => s.close())

    const emails = (teamId: Parameters<ContactRepository["Type"]["all"]>[0]) =>
      s.run(
        Effect.map(
          Effect.flatMap(ContactRepository, (r) => r.all(teamId)),
          (all) => all.map((c) => c.email).sort()
        )
      )

    it("adds batches, answering which rows were skipped (known addresses, repeats in any case), with events when asked", async () => {
      const [a, b] = [await newTeam(s), await newTeam(s)]
      await s.run(
        Effect.flatMap(ContactRepository, (r) => r.importMany(a, [row("old@example.com")], () => []))
      )
      const results = await s.run(
        Effect.flatMap(ContactImport, (i) =>
          i.run(
            a,
            (c) => [contactEvent("contact.created", c)],
            (insert) =>
              Effect.all([
                insert([
                  row("ann@example.com", "Ann"),
                  row("OLD@example.com"),
                  row("ANN@example.com", "again")
                ]),
                insert([row("bo@example.com"), row("ann@EXAMPLE.com")])
              ])
          )
        )
      )
      expect(results).toEqual([
        { imported: 1, skipped: [1, 2] },
        { imported: 1, skipped: [1] }
      ])
      expect(await emails(a)).toEqual(["ann@example.com", "bo@example.com", "old@example.com"])
      expect(await emails(b)).toEqual([])
      const created = (await s.events(a)).filter((e) => e.type === "contact.created")
      expect(created.map((e) => (e.payload as { email: string }).email).sort()).toEqual([
        "ann@example.com",
        "bo@example.com"
      ])
    })

    it("keeps nothing of an import whose body fails after writing, and writes no events when not asked", async () => {
      const a = await newTeam(s)
      const failed = await s.run(
        Effect.flatMap(ContactImport, (i) =>
          i.run(a, null, (insert) =>
            Effect.zipRight(
              insert([row("cy@example.com"), row("dee@example.com")]),
              Effect.fail("broken file" as const)
            )
          )
        ).pipe(Effect.flip)
      )
      expect(failed).toBe("broken file")
      expect(await emails(a)).toEqual([])
      await s.run(
        Effect.flatMap(ContactImport, (i) => i.run(a, null, (insert) => insert([row("eve@example.com")])))
      )
      expect(await emails(a)).toEqual(["eve@example.com"])
      expect(await s.events(a)).toEqual([])
    })
  })
}
