import { type BroadcastContent, BroadcastRepository, SegmentRepository } from "@poststack/application"
import { canCancelBroadcast, canSendBroadcast, canUpdateBroadcast, type TeamId } from "@poststack/domain"
import { Effect, Option } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { newTeam, type Subject, subjects } from "./subjects.js"
import { newDomain } from "./support.js"

for (const [name, start] of subjects) {
  describe(`BroadcastRepository contract: ${name}`, () => {
    let s: Subject
    const repo = <A, E>(f: (r: BroadcastRepository["Type"]) => Effect.Effect<A, E>) =>
      s.run(Effect.flatMap(BroadcastRepository, f))
    beforeAll(async () => {
      s = await start()
    })
    afterAll(() => s.close())

    /** A team with a domain and a segment, and broadcast content for it. */
    const team = async (label: string) => {
      const teamId = await newTeam(s)
      const domain = await newDomain(s, teamId, `${label}-${teamId}.test`)
      const segment = await s.run(Effect.flatMap(SegmentRepository, (r) => r.create(teamId, "All", null)))
      const content = (subject: string, extra: Partial<BroadcastContent> = {}): BroadcastContent => ({
        name: null,
        subject,
        html: "<p>hi</p>",
        text: null,
        from: `news@${domain.name}`,
        fromName: "News",
        domainId: domain.id,
        replyTo: null,
        segmentId: segment.id,
        segmentPublicId: segment.publicId,
        topicId: null,
        topicPublicId: null,
        abTest: null,
        ...extra
      })
      const create = (
        subject: string,
        scheduledAt: Date | null = null,
        extra: Partial<BroadcastContent> = {}
      ) =>
        repo((r) =>
          r.create(teamId, { ...content(subject, extra), apiKeyId: null, testMode: false, scheduledAt })
        )
      return { teamId: teamId as TeamId, segment, content, create }
    }

    it("creates drafts and scheduled broadcasts, reads and lists them per team, newest first, by subject and status", async () => {
      const a = await team("a")
      const b = await team("b")
      const draft = await a.create("Spring sale")
      expect(draft.broadcast).toMatchObject({
        publicId: expect.stringMatching(/^brd_[0-9a-f]{24}$/),
        status: "draft",
        subject: "Spring sale",
        from: draft.broadcast.from,
        fromName: "News",
        segmentPublicId: a.segment.publicId,
        topicPublicId: null,
        abTest: null,
        phase: "idle"
      })
      expect(draft.counters).toEqual({ totalRecipients: 0, delivered: 0, opened: 0, clicked: 0, bounced: 0 })
      const at = new Date(Date.now() + 3_600_000)
      const later = await a.create("Summer 100%_sale", at)
      expect(later.broadcast).toMatchObject({ status: "queued", scheduledAt: at })
      await b.create("Spring elsewhere")
      const all = await repo((r) => r.list(a.teamId, {}, 1, 10))
      expect(all.total).toBe(2)
      expect(all.rows.map((r) => r.broadcast.subject)).toEqual(["Summer 100%_sale", "Spring sale"])
      expect((await repo((r) => r.list(a.teamId, { search: "SPRING" }, 1, 10))).total).toBe(1)
      expect((await repo((r) => r.list(a.teamId, { search: "0%_" }, 1, 10))).total).toBe(1)
      expect(
        (await repo((r) => r.list(a.teamId, { status: "queued" }, 1, 10))).rows.map(
          (r) => r.broadcast.subject
        )
      ).toEqual(["Summer 100%_sale"])
      expect((await repo((r) => r.list(a.teamId, {}, 2, 1))).rows.map((r) => r.broadcast.subject)).toEqual([
        "Spring sale"
      ])
      expect(Option.isNone(await repo((r) => r.get(b.teamId, draft.broadcast.publicId)))).toBe(true)
      expect((await repo((r) => r.bySegment(a.teamId, a.segment.id))).map((x) => x.subject)).toEqual([
        "Summer 100%_sale",
        "Spring sale"
      ])
      expect(await repo((r) => r.bySegment(b.teamId, a.segment.id))).toEqual([])
    })

    it("keeps A/B variants in order, replaces them on update, and edits only what the rule allows", async () => {
      const a = await team("ab")
      const ab = {
        abTest: {
          variants: [
            { name: "A", subject: "Sa", html: "<p>a</p>", text: null, weight: 70 },
            { name: "B", subject: "Sb", html: null, text: "b", weight: 30 }
          ],
          samplePercent: 10,
          durationMinutes: 60,
          metric: "click_rate" as const
        }
      }
      const created = await a.create("Test", null, ab)
      expect(created.broadcast.abTest).toMatchObject({
        samplePercent: 10,
        durationMinutes: 60,
        metric: "click_rate"
      })
      expect(created.variants.map((v) => [v.position, v.name, v.weight])).toEqual([
        [0, "A", 70],
        [1, "B", 30]
      ])
      const id = created.broadcast.publicId
      const updated = await repo((r) =>
        r.update(a.teamId, id, canUpdateBroadcast, (cur) => ({
          ...a.content("Edited"),
          name: cur.broadcast.name
        }))
      )
      expect(updated._tag).toBe("Written")
      const got = Option.getOrThrow(await repo((r) => r.get(a.teamId, id)))
      expect(got.broadcast).toMatchObject({ subject: "Edited", abTest: null })
      expect(got.variants).toEqual([])
      expect(
        await repo((r) =>
          r.update(a.teamId, "brd_000000000000000000000000" as never, canUpdateBroadcast, () =>
            a.content("x")
          )
        )
      ).toEqual({
        _tag: "NotFound"
      })
    })

    it("queues a draft once, refuses to send or edit what is queued, and cancels only what is queued or sending", async () => {
      const a = await team("q")
      const other = await team("q-other")
      const { broadcast } = await a.create("Go")
      const id = broadcast.publicId
      expect(await repo((r) => r.queue(other.teamId, id, canSendBroadcast, new Date()))).toEqual({
        _tag: "NotFound"
      })
      expect((await repo((r) => r.queue(a.teamId, id, canSendBroadcast, new Date())))._tag).toBe("Written")
      expect(await repo((r) => r.queue(a.teamId, id, canSendBroadcast, new Date()))).toEqual({
        _tag: "Refused",
        status: "queued"
      })
      expect(await repo((r) => r.update(a.teamId, id, canUpdateBroadcast, () => a.content("No")))).toEqual({
        _tag: "Refused",
        status: "queued"
      })
      expect(await repo((r) => r.cancel(other.teamId, id, canCancelBroadcast))).toEqual({ _tag: "NotFound" })
      expect(await repo((r) => r.cancel(a.teamId, id, canCancelBroadcast))).toEqual({
        _tag: "Written",
        value: { cancelledDeliveries: 0 }
      })
      expect(await repo((r) => r.cancel(a.teamId, id, canCancelBroadcast))).toEqual({
        _tag: "Refused",
        status: "cancelled"
      })
      const got = Option.getOrThrow(await repo((r) => r.get(a.teamId, id)))
      expect(got.broadcast.status).toBe("cancelled")
      // Nothing was sending, so there is no winner to decide.
      expect(await repo((r) => r.decideWinner(got.broadcast.id, 1))).toBe(false)
      expect(await repo((r) => r.sentSince(a.teamId, null, 10))).toEqual([])
    })
  })
}
