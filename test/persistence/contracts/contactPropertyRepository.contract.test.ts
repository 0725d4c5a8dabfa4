import { ContactPropertyRepository, ContactRepository } from "@poststack/application"
import type { ContactPropertyId } from "@poststack/domain"
import { Effect, Either, Option } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { newTeam, type Subject, subjects } from "./subjects.js"

for (const [name, start] of subjects) {
  describe(`ContactPropertyRepository contract: ${name}`, () => {
    let s: Subject
    const props = <A, E>(f: (r: ContactPropertyRepository["Type"]) => Effect.Effect<A, E>) =>
      s.run(Effect.flatMap(ContactPropertyRepository, f))
    const contacts = <A, E>(f: (r: ContactRepository["Type"]) => Effect.Effect<A, E>) =>
      s.run(Effect.flatMap(ContactRepository, f))
    beforeAll(async () => {
      s = await start()
    })
    afterAll(() => s.close())

    it("creates one property per name per team and changes only label, options and required", async () => {
      const [a, b] = [await newTeam(s), await newTeam(s)]
      const plan = await props((r) =>
        r.create(a, {
          name: "plan",
          label: "Plan",
          type: "select",
          options: ["free", "pro"],
          required: false
        })
      )
      expect(plan).toMatchObject({ name: "plan", type: "select", options: ["free", "pro"], required: false })
      const again = await props((r) =>
        Effect.either(r.create(a, { name: "plan", label: "x", type: "text", options: null, required: false }))
      )
      expect(Either.isLeft(again) && again.left._tag).toBe("ContactPropertyAlreadyExists")
      await props((r) =>
        r.create(b, { name: "plan", label: "x", type: "text", options: null, required: false })
      )
      const updated = Option.getOrThrow(
        await props((r) =>
          r.update(a, plan.id, { label: "Tier", options: ["free", "pro", "team"], required: true })
        )
      )
      expect(updated).toMatchObject({
        name: "plan",
        type: "select",
        label: "Tier",
        options: ["free", "pro", "team"],
        required: true
      })
      expect(Option.isNone(await props((r) => r.update(b, plan.id, { label: "stolen" })))).toBe(true)
      expect(Option.isNone(await props((r) => r.get(b, plan.id)))).toBe(true)
      expect((await props((r) => r.list(a))).map((p) => p.label)).toEqual(["Tier"])
    })

    it("counts option usage and, on delete, drops every contact's value for it", async () => {
      const team = await newTeam(s)
      const plan = await props((r) =>
        r.create(team, {
          name: "plan",
          label: "Plan",
          type: "select",
          options: ["free", "pro"],
          required: false
        })
      )
      for (const [email, value] of [
        ["a@example.com", "free"],
        ["b@example.com", "free"]
      ] as const)
        await contacts((r) =>
          r.create(
            team,
            {
              email,
              firstName: null,
              lastName: null,
              unsubscribed: false,
              properties: { plan: value, keep: 1 }
            },
            () => []
          )
        )
      expect(await props((r) => r.optionUsage(team, plan))).toEqual({ free: 2, pro: 0 })
      expect(await props((r) => r.remove(team, plan.id))).toBe(true)
      expect(await props((r) => r.remove(team, plan.id))).toBe(false)
      expect(await props((r) => r.remove(team, 999_999 as ContactPropertyId))).toBe(false)
      const after = await contacts((r) => r.all(team))
      expect(after.map((c) => c.properties)).toEqual([{ keep: 1 }, { keep: 1 }])
    })
  })
}
