import {
  type BroadcastContent,
  type BroadcastJob,
  BroadcastQueue,
  BroadcastRepository,
  ContactRepository,
  SegmentRepository,
  SuppressionList
} from "@poststack/application"
import {
  canCancelBroadcast,
  canSendBroadcast,
  Plan,
  PlanId,
  type SegmentAudienceOf,
  type SegmentId,
  type TeamId
} from "@poststack/domain"
import { Effect } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { newTeam, type Subject, subjects } from "./subjects.js"
import { newDomain } from "./support.js"

const LEASE = 60_000

for (const [name, start] of subjects) {
  describe(`BroadcastQueue contract: ${name}`, () => {
    let s: Subject
    const queue = <A, E>(f: (q: BroadcastQueue["Type"]) => Effect.Effect<A, E>) =>
      s.run(Effect.flatMap(BroadcastQueue, f))
    const repo = <A, E>(f: (r: BroadcastRepository["Type"]) => Effect.Effect<A, E>) =>
      s.run(Effect.flatMap(BroadcastRepository, f))
    beforeAll(async () => {
      s = await start()
    })
    afterAll(() => s.close())

    /**
     * A team with a domain and a segment of `size` contacts (the first `unsubscribed` of them
     * unsubscribed, the next `suppressed` on the suppression list), and a broadcast to it.
     */
    const world = async (label: string, size: number, unsubscribed = 0, suppressed = 0) => {
      const teamId = (await newTeam(s)) as TeamId
      const domain = await newDomain(s, teamId, `${label}-${teamId}.test`)
      const segment = await s.run(Effect.flatMap(SegmentRepository, (r) => r.create(teamId, "All", null)))
      const ids: Array<string> = []
      for (let i = 0; i < size; i++) {
        const email = `r${i}@${label}.test`
        const contact = await s.run(
          Effect.flatMap(ContactRepository, (r) =>
            r.create(
              teamId,
              { email, firstName: null, lastName: null, unsubscribed: i < unsubscribed, properties: {} },
              () => []
            )
          )
        )
        ids.push(contact.publicId)
        if (i >= unsubscribed && i < unsubscribed + suppressed)
          await s.run(
            Effect.flatMap(SuppressionList, (l) => l.add(teamId, email.toUpperCase(), "manual", null))
          )
      }
      await s.run(Effect.flatMap(SegmentRepository, (r) => r.addMembers(teamId, segment.id, ids as never)))
      const audience: SegmentAudienceOf = { _tag: "Members", segmentId: segment.id as SegmentId }
      const content: BroadcastContent = {
        name: null,
        subject: "Hello",
        html: "<p>hi</p>",
        text: null,
        from: `news@${domain.name}`,
        fromName: null,
        domainId: domain.id,
        replyTo: null,
        segmentId: segment.id,
        segmentPublicId: segment.publicId,
        topicId: null,
        topicPublicId: null,
        abTest: null
      }
      const create = async (extra: Partial<BroadcastContent> = {}, scheduledAt: Date | null = null) =>
        (
          await repo((r) =>
            r.create(teamId, { ...content, ...extra, apiKeyId: null, testMode: false, scheduledAt })
          )
        ).broadcast
      return { teamId, audience, create }
    }
    const claimOne = async (publicId: string) =>
      (await queue((q) => q.claim({ limit: 50, leaseMs: LEASE }))).find(
        (j) => j.broadcast.publicId === publicId
      )
    const total = async (teamId: TeamId, publicId: string) =>
      (await repo((r) => r.get(teamId, publicId as never))).pipe((o) =>
        o._tag === "Some" ? o.value.counters.totalRecipients : -1
      )

    it("claims a broadcast when it is due, once under a lease, and again once it is released", async () => {
      const w = await world("claim", 1)
      const draft = await w.create()
      const later = await w.create({ subject: "Later" }, new Date(Date.now() + 3_600_000))
      expect(await claimOne(draft.publicId)).toBeUndefined()
      expect(await claimOne(later.publicId)).toBeUndefined()
      await repo((r) => r.queue(w.teamId, draft.publicId, canSendBroadcast, new Date()))
      const job = await claimOne(draft.publicId)
      expect(job?.broadcast.status).toBe("queued")
      expect(await claimOne(draft.publicId)).toBeUndefined()
      await queue((q) => q.release([job as BroadcastJob]))
      expect((await claimOne(draft.publicId))?.broadcast.publicId).toBe(draft.publicId)
    })

    it("writes each reachable contact once, in batches, skipping unsubscribed and suppressed ones, then is sent", async () => {
      const w = await world("batches", 7, 1, 1)
      const b = await w.create()
      expect(await queue((q) => q.reach(b, w.audience))).toBe(5)
      await repo((r) => r.queue(w.teamId, b.publicId, canSendBroadcast, new Date()))
      let job = (await claimOne(b.publicId)) as BroadcastJob
      job = await queue((q) => q.start(job, w.audience))
      expect(job.broadcast).toMatchObject({ status: "sending", phase: "rest" })
      // Starting twice (a resumed worker) changes nothing.
      expect((await queue((q) => q.start(job, w.audience))).broadcast.phase).toBe("rest")
      const steps = []
      for (let i = 0; i < 5; i++) {
        const step = await queue((q) => q.step(job, w.audience, { limit: 2 }))
        steps.push(step._tag === "Batch" ? step.recipients : step._tag)
        if (step._tag !== "Batch") break
      }
      expect(steps).toEqual([2, 2, "PhaseDone"])
      expect(await total(w.teamId, b.publicId)).toBe(5)
      const after = await queue((q) => q.reload(job))
      expect(after?.broadcast).toMatchObject({ status: "sent", phase: "done" })
      expect(await queue((q) => q.step(job, w.audience, { limit: 2 }))).toEqual({ _tag: "Stopped" })
      expect(await claimOne(b.publicId)).toBeUndefined()
    })

    it("stops writing once cancelled", async () => {
      const w = await world("cancel", 4)
      const b = await w.create()
      await repo((r) => r.queue(w.teamId, b.publicId, canSendBroadcast, new Date()))
      let claimed = (await claimOne(b.publicId)) as BroadcastJob
      claimed = await queue((q) => q.start(claimed, w.audience))
      expect(await queue((q) => q.step(claimed, w.audience, { limit: 1 }))).toEqual({
        _tag: "Batch",
        recipients: 1
      })
      await repo((r) => r.cancel(w.teamId, b.publicId, canCancelBroadcast))
      expect(await queue((q) => q.step(claimed, w.audience, { limit: 1 }))).toEqual({ _tag: "Stopped" })
      expect(await total(w.teamId, b.publicId)).toBe(1)
      expect(await claimOne(b.publicId)).toBeUndefined()
    })

    it("holds a broadcast without a lease until its recheck time, then lets it go on where it stopped", async () => {
      const w = await world("hold", 3)
      const b = await w.create()
      await repo((r) => r.queue(w.teamId, b.publicId, canSendBroadcast, new Date()))
      let job = (await claimOne(b.publicId)) as BroadcastJob
      job = await queue((q) => q.start(job, w.audience))
      expect(await queue((q) => q.step(job, w.audience, { limit: 1 }))).toMatchObject({ recipients: 1 })
      await queue((q) => q.hold(job, new Date(Date.now() + 3_600_000)))
      // Not claimed before its recheck time, its lease given back, still sending.
      expect(await claimOne(b.publicId)).toBeUndefined()
      expect((await queue((q) => q.reload(job)))?.broadcast.status).toBe("sending")
      await queue((q) => q.hold(job, new Date(Date.now() - 1_000)))
      job = (await claimOne(b.publicId)) as BroadcastJob
      expect(job?.broadcast.publicId).toBe(b.publicId)
      await queue((q) => q.unhold(job))
      expect(await queue((q) => q.step(job, w.audience, { limit: 5 }))).toEqual({ _tag: "PhaseDone" })
      expect(await total(w.teamId, b.publicId)).toBe(3)
      // A sent broadcast is not held again: it stays sent and unclaimed.
      await queue((q) => q.hold(job, new Date(Date.now() - 1_000)))
      expect(await claimOne(b.publicId)).toBeUndefined()
    })

    it("sends an A/B sample split by weight, waits for its window, and sends the winner to the rest", async () => {
      const w = await world("ab", 20)
      const b = await w.create({
        abTest: {
          variants: [
            { name: "A", subject: "A", html: "a", text: null, weight: 70 },
            { name: "B", subject: "B", html: "b", text: null, weight: 30 }
          ],
          samplePercent: 50,
          durationMinutes: 60,
          metric: "open_rate"
        }
      })
      await repo((r) => r.queue(w.teamId, b.publicId, canSendBroadcast, new Date()))
      let job = (await claimOne(b.publicId)) as BroadcastJob
      job = await queue((q) => q.start(job, w.audience))
      expect(job.broadcast).toMatchObject({ phase: "sample", sampleTarget: 10 })
      for (;;) {
        const step = await queue((q) => q.step(job, w.audience, { limit: 3 }))
        if (step._tag !== "Batch") break
      }
      job = (await queue((q) => q.reload(job))) as BroadcastJob
      expect(job.broadcast.phase).toBe("waiting")
      const split = await repo((r) => r.variantCounters(b.id))
      expect(split.map((v) => v.totalRecipients).sort()).toEqual([3, 7])
      // Parked until the window's end: not claimable before it.
      await queue((q) => q.park(job, new Date(Date.now() + 3_600_000)))
      expect(await claimOne(b.publicId)).toBeUndefined()
      const winner = job.variants[1]?.id ?? 0
      expect(await repo((r) => r.decideWinner(b.id, winner))).toBe(true)
      job = (await claimOne(b.publicId)) as BroadcastJob
      expect(job.broadcast).toMatchObject({ phase: "rest", winnerVariantId: winner })
      for (;;) {
        const step = await queue((q) => q.step(job, w.audience, { limit: 4 }))
        if (step._tag !== "Batch") break
      }
      expect(await total(w.teamId, b.publicId)).toBe(20)
      const after = await repo((r) => r.variantCounters(b.id))
      expect(after.find((v) => v.variantId === winner)?.totalRecipients).toBe(
        10 + (split.find((v) => v.variantId === winner)?.totalRecipients ?? 0)
      )
    })

    it("writes no more than a limited plan has room for, then says which limit stopped it", async () => {
      const w = await world("quota", 6)
      const b = await w.create()
      const plan = Plan.make({
        id: PlanId.make("tiny"),
        name: "Tiny",
        monthlyLimit: null,
        dailyLimit: 4,
        retentionDays: 30,
        overageCentsPer1000: null,
        stripePriceId: null
      })
      await repo((r) => r.queue(w.teamId, b.publicId, canSendBroadcast, new Date()))
      let job = (await claimOne(b.publicId)) as BroadcastJob
      job = await queue((q) => q.start(job, w.audience))
      expect(await queue((q) => q.step(job, w.audience, { limit: 3, plan }))).toEqual({
        _tag: "Batch",
        recipients: 3
      })
      expect(await queue((q) => q.step(job, w.audience, { limit: 3, plan }))).toEqual({
        _tag: "Batch",
        recipients: 1
      })
      expect(await queue((q) => q.step(job, w.audience, { limit: 3, plan }))).toEqual({
        _tag: "OutOfQuota",
        refusal: "daily"
      })
      expect(await total(w.teamId, b.publicId)).toBe(4)
      // Without the plan (it was raised) the rest goes.
      expect(await queue((q) => q.step(job, w.audience, { limit: 3 }))).toEqual({ _tag: "PhaseDone" })
      expect(await total(w.teamId, b.publicId)).toBe(6)
    })
  })
}
