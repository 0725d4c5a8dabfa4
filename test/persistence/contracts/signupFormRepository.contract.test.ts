import { MemoryRepositories, MemorySignupFormRepository } from "@poststack/adapters-persistence"
import { type NewSignupForm, SignupFormRepository, TeamRepository } from "@poststack/application"
import type { SignupFormPublicId, SubmissionPublicId } from "@poststack/domain"
import { Effect, Layer, Option } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { memorySubject as memoryTwins, type PortSubject, postgresSubject } from "./portSubjects.js"

type Subject = PortSubject<SignupFormRepository | TeamRepository>

const memorySubject = memoryTwins(Layer.merge(MemoryRepositories.layer, MemorySignupFormRepository.layer))

const FORM: NewSignupForm = {
  name: "Newsletter",
  segmentId: "seg_0123456789abcdef01234567",
  topicId: null,
  fields: [{ name: "email", type: "email", label: "Email", required: true }],
  successMessage: null,
  redirectUrl: null
}
const VISITOR = { email: "ann@example.com", firstName: "Ann", lastName: null, properties: { age: 3 } }

for (const [name, make] of [
  ["memory", memorySubject],
  ["postgres", postgresSubject]
] as const) {
  describe(`SignupFormRepository contract (${name})`, () => {
    let s: Subject
    const forms = <A, E>(f: (r: SignupFormRepository["Type"]) => Effect.Effect<A, E>) =>
      s.run(Effect.flatMap(SignupFormRepository, f))
    const newTeam = () =>
      s.run(
        Effect.map(
          Effect.flatMap(TeamRepository, (t) => t.create("team")),
          (t) => t.id
        )
      )
    beforeAll(async () => {
      s = await make()
    })
    afterAll(() => s.close())

    it("purges only unconfirmed submissions made before the cut-off, in batches of the size asked", async () => {
      const team = await newTeam()
      const form = await forms((r) => r.create(team, FORM))
      const made = async (email: string) =>
        Option.getOrThrow(await forms((r) => r.submit(form, { ...VISITOR, email }))).publicId
      const old1 = await made("old1@example.com")
      const old2 = await made("old2@example.com")
      const confirmed = await made("kept@example.com")
      expect(await forms((r) => r.markConfirmed(confirmed, new Date()))).toBe(true)
      await new Promise((resolve) => setTimeout(resolve, 50))
      const cutOff = new Date()
      await new Promise((resolve) => setTimeout(resolve, 50))
      const young = await made("young@example.com")
      expect(await forms((r) => r.purgeUnconfirmedBefore(cutOff, 1))).toBe(1)
      expect(await forms((r) => r.purgeUnconfirmedBefore(cutOff, 1))).toBe(1)
      expect(await forms((r) => r.purgeUnconfirmedBefore(cutOff, 1))).toBe(0)
      const present = async (id: SubmissionPublicId) =>
        Option.isSome(await forms((r) => r.findSubmission(id)))
      expect([
        await present(old1),
        await present(old2),
        await present(confirmed),
        await present(young)
      ]).toEqual([false, false, true, true])
    })

    it("keeps a team's forms apart from another team's, newest first, and applies partial changes", async () => {
      const [a, b] = [await newTeam(), await newTeam()]
      const first = await forms((r) => r.create(a, FORM))
      const second = await forms((r) => r.create(a, { ...FORM, name: "Second" }))
      await forms((r) => r.create(b, FORM))
      expect(first).toMatchObject({ ...FORM, active: true, submissionCount: 0, teamId: a })
      const page = await forms((r) => r.list(a, 1, 1))
      expect(page.total).toBe(2)
      expect(page.forms.map((f) => f.publicId)).toEqual([second.publicId])
      expect(Option.isNone(await forms((r) => r.get(b, first.publicId)))).toBe(true)
      expect(Option.isNone(await forms((r) => r.update(b, first.publicId, { name: "stolen" })))).toBe(true)
      expect(await forms((r) => r.remove(b, first.publicId))).toBe(false)

      const updated = Option.getOrThrow(
        await forms((r) => r.update(a, first.publicId, { segmentId: null, redirectUrl: "https://x.test/" }))
      )
      expect(updated).toMatchObject({ name: "Newsletter", segmentId: null, redirectUrl: "https://x.test/" })
      expect(updated.updatedAt.getTime()).toBeGreaterThanOrEqual(first.updatedAt.getTime())
    })

    it("takes submissions only for an active form, counts them, and confirms each once", async () => {
      const team = await newTeam()
      const form = await forms((r) => r.create(team, FORM))
      expect(Option.getOrThrow(await forms((r) => r.findActive(form.publicId))).id).toBe(form.id)
      const pending = Option.getOrThrow(await forms((r) => r.submit(form, VISITOR)))
      expect(pending).toMatchObject({ ...VISITOR, formId: form.id, teamId: team, confirmedAt: null })
      const found = Option.getOrThrow(await forms((r) => r.findSubmission(pending.publicId)))
      expect(found.form.publicId).toBe(form.publicId)
      expect(found.submission.publicId).toBe(pending.publicId)
      expect(Option.getOrThrow(await forms((r) => r.get(team, form.publicId))).submissionCount).toBe(1)

      const at = new Date()
      expect(await forms((r) => r.markConfirmed(pending.publicId, at))).toBe(true)
      expect(await forms((r) => r.markConfirmed(pending.publicId, at))).toBe(false)
      const confirmed = Option.getOrThrow(await forms((r) => r.findSubmission(pending.publicId)))
      expect(confirmed.submission.confirmedAt?.getTime()).toBe(at.getTime())

      await forms((r) => r.update(team, form.publicId, { active: false }))
      expect(Option.isNone(await forms((r) => r.findActive(form.publicId)))).toBe(true)
      expect(Option.isNone(await forms((r) => r.submit(form, VISITOR)))).toBe(true)
      expect(Option.isNone(await forms((r) => r.findSubmission(pending.publicId)))).toBe(true)
      expect(Option.getOrThrow(await forms((r) => r.get(team, form.publicId))).submissionCount).toBe(1)
    })

    it("deletes a form with its pending submissions", async () => {
      const team = await newTeam()
      const form = await forms((r) => r.create(team, FORM))
      const pending = Option.getOrThrow(await forms((r) => r.submit(form, VISITOR)))
      expect(await forms((r) => r.remove(team, form.publicId))).toBe(true)
      expect(Option.isNone(await forms((r) => r.findActive(form.publicId)))).toBe(true)
      expect(Option.isNone(await forms((r) => r.findSubmission(pending.publicId)))).toBe(true)
      expect(await forms((r) => r.markConfirmed(pending.publicId, new Date()))).toBe(false)
      expect(
        Option.isNone(
          await forms((r) => r.findSubmission("sfs_000000000000000000000000" as SubmissionPublicId))
        )
      ).toBe(true)
      expect(
        Option.isNone(await forms((r) => r.findActive("sf_000000000000000000000000" as SignupFormPublicId)))
      ).toBe(true)
    })
  })
}
