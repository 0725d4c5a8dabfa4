import { type NewWebhook, WebhookRepository } from "@poststack/application"
import type { TeamId, WebhookId } from "@poststack/domain"
import { Effect, Option } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { newTeam, type Subject, subjects } from "./subjects.js"

const hook = (overrides: Partial<NewWebhook> = {}): NewWebhook => ({
  url: "https://hooks.example.com/in",
  description: "orders",
  events: ["email.delivered"],
  secretSealed: new Uint8Array([1, 1, 1]),
  secretPrefix: "whsec_aaaa",
  ...overrides
})

for (const [name, start] of subjects) {
  describe(`WebhookRepository contract: ${name}`, () => {
    let s: Subject
    const repo = <A, E>(f: (r: WebhookRepository["Type"]) => Effect.Effect<A, E>) =>
      s.run(Effect.flatMap(WebhookRepository, f))
    const testEvent = (teamId: TeamId, id: WebhookId, type = "webhook.test") =>
      repo((r) => r.claimTestDelivery(teamId, id, { type, data: { hello: "world" }, leaseMs: 60_000 }))
    beforeAll(async () => {
      s = await start()
    })
    afterAll(() => s.close())

    it("creates an active endpoint and keeps every read and write inside its team", async () => {
      const [a, b] = [await newTeam(s), await newTeam(s)]
      const created = await repo((r) => r.create(a, hook()))
      expect(created).toMatchObject({
        url: "https://hooks.example.com/in",
        description: "orders",
        events: ["email.delivered"],
        active: true,
        secretPrefix: "whsec_aaaa",
        consecutiveFailures: 0,
        disabledAt: null,
        previousSecretExpiresAt: null
      })
      const second = await repo((r) => r.create(a, hook({ description: null })))
      await s.run(
        Effect.gen(function* () {
          const r = yield* WebhookRepository
          expect((yield* r.list(a)).map((w) => w.id)).toEqual([created.id, second.id])
          expect(Option.getOrThrow(yield* r.get(a, created.id))).toEqual(created)
          expect(yield* r.list(b)).toEqual([])
          expect(Option.isNone(yield* r.get(b, created.id))).toBe(true)
          expect(Option.isNone(yield* r.update(b, created.id, { url: "https://evil.example.com" }))).toBe(
            true
          )
          expect(
            Option.isNone(
              yield* r.rotateSecret(b, created.id, { sealed: new Uint8Array([9]), prefix: "x" }, null)
            )
          ).toBe(true)
          expect(
            Option.isNone(yield* r.claimTestDelivery(b, created.id, { type: "t.t", data: {}, leaseMs: 1000 }))
          ).toBe(true)
          expect(yield* r.delete(b, created.id)).toBe(false)
          expect(Option.getOrThrow(yield* r.get(a, created.id)).url).toBe("https://hooks.example.com/in")
        })
      )
    })

    it("updates only what is given; turning an endpoint on again clears its disabled state", async () => {
      const a = await newTeam(s)
      const created = await repo((r) => r.create(a, hook()))
      const off = Option.getOrThrow(await repo((r) => r.update(a, created.id, { active: false })))
      expect(off).toMatchObject({ active: false, url: created.url, events: created.events })
      const changed = Option.getOrThrow(
        await repo((r) => r.update(a, created.id, { events: ["*"], description: null, active: true }))
      )
      expect(changed).toMatchObject({
        active: true,
        events: ["*"],
        description: null,
        url: created.url,
        disabledAt: null,
        disabledReason: null,
        consecutiveFailures: 0
      })
      expect(Option.getOrThrow(await repo((r) => r.update(a, created.id, {})))).toEqual(changed)
    })

    it("rotates the secret, signing with the previous one only while its grace window lasts", async () => {
      const a = await newTeam(s)
      const created = await repo((r) => r.create(a, hook()))
      const until = new Date(Date.now() + 3_600_000)
      const rotated = Option.getOrThrow(
        await repo((r) =>
          r.rotateSecret(a, created.id, { sealed: new Uint8Array([2, 2]), prefix: "whsec_bbbb" }, until)
        )
      )
      expect(rotated).toMatchObject({ secretPrefix: "whsec_bbbb", previousSecretExpiresAt: until })
      expect(rotated.secretRotatedAt).toBeInstanceOf(Date)
      const claimed = Option.getOrThrow(await testEvent(a, created.id))
      expect(claimed.secretsSealed.map((b) => [...b])).toEqual([
        [2, 2],
        [1, 1, 1]
      ])
      await repo((r) =>
        r.rotateSecret(a, created.id, { sealed: new Uint8Array([3]), prefix: "whsec_cccc" }, null)
      )
      const afterHardRotation = Option.getOrThrow(await testEvent(a, created.id))
      expect(afterHardRotation.secretsSealed.map((b) => [...b])).toEqual([[3]])
    })

    it("claims a test event at once and logs it, newest first, page by page", async () => {
      const a = await newTeam(s)
      const created = await repo((r) => r.create(a, hook()))
      const first = Option.getOrThrow(await testEvent(a, created.id, "webhook.first"))
      expect(first).toMatchObject({
        webhookId: created.id,
        kind: "webhook",
        url: created.url,
        eventType: "webhook.first",
        data: { hello: "world" },
        attempts: 1
      })
      expect(first.eventId).toMatch(/^evt_[0-9a-f]{32}$/)
      const second = Option.getOrThrow(await testEvent(a, created.id, "webhook.second"))
      const page1 = await repo((r) => r.deliveries(a, created.id, { page: 1, perPage: 1 }))
      expect(page1.total).toBe(2)
      expect(page1.rows.map((d) => [d.id, d.eventType, d.status])).toEqual([
        [second.id, "webhook.second", "sending"]
      ])
      expect(page1.rows[0]?.payload).toEqual({
        id: second.eventId,
        type: "webhook.second",
        timestamp: second.eventCreatedAt.toISOString(),
        data: { hello: "world" }
      })
      const page2 = await repo((r) => r.deliveries(a, created.id, { page: 2, perPage: 1 }))
      expect(page2.rows.map((d) => d.id)).toEqual([first.id])
      const other = await newTeam(s)
      expect((await repo((r) => r.deliveries(other, created.id, { page: 1, perPage: 10 }))).total).toBe(0)
    })

    it("lists only the deliveries in the statuses asked for, paged and counted alone", async () => {
      const a = await newTeam(s)
      const created = await repo((r) => r.create(a, hook()))
      const settled: Array<[number, "failed" | "delivered"]> = []
      for (const outcome of ["failed", "delivered", "failed", "failed"] as const) {
        const claimed = Option.getOrThrow(await testEvent(a, created.id))
        await s.settleDelivery(claimed.id, outcome)
        settled.push([claimed.id, outcome])
      }
      const sending = Option.getOrThrow(await testEvent(a, created.id))
      const list = (statuses: ReadonlyArray<"pending" | "sending" | "delivered" | "failed">, page = 1) =>
        repo((r) => r.deliveries(a, created.id, { page, perPage: 2, statuses }))
      const failed = settled.filter(([, o]) => o === "failed").map(([id]) => id)
      const page1 = await list(["failed"])
      expect({ ids: page1.rows.map((d) => d.id), total: page1.total }).toEqual({
        ids: [failed[2], failed[1]],
        total: 3
      })
      expect((await list(["failed"], 2)).rows.map((d) => d.id)).toEqual([failed[0]])
      expect((await list(["pending", "sending"])).rows.map((d) => d.id)).toEqual([sending.id])
      expect((await list(["delivered"])).total).toBe(1)
      expect((await repo((r) => r.deliveries(a, created.id, { page: 1, perPage: 10 }))).total).toBe(5)
    })

    it("replays one delivery, or the failed ones matching a filter up to a limit", async () => {
      const a = await newTeam(s)
      const created = await repo((r) => r.create(a, hook()))
      const ids: Array<number> = []
      for (const type of ["email.bounced", "email.bounced", "email.bounced", "email.delivered"]) {
        const claimed = Option.getOrThrow(await testEvent(a, created.id, type))
        await s.settleDelivery(claimed.id, "failed")
        ids.push(claimed.id)
      }
      const delivered = Option.getOrThrow(await testEvent(a, created.id, "email.bounced"))
      await s.settleDelivery(delivered.id, "delivered")
      const since = new Date(Date.now() - 60_000)
      const firstRound = await repo((r) =>
        r.replayFailed(a, created.id, { since, eventType: "email.bounced", limit: 2 })
      )
      expect(firstRound).toEqual({ replayed: 2, remaining: 1 })
      const statuses = async () =>
        new Map<number, string>(
          (await repo((r) => r.deliveries(a, created.id, { page: 1, perPage: 10 }))).rows.map((d) => [
            d.id,
            d.status
          ])
        )
      const afterFirst = await statuses()
      expect(
        [ids[0], ids[1], ids[2], ids[3], delivered.id].map((id) => afterFirst.get(id as number))
      ).toEqual(["pending", "pending", "failed", "failed", "delivered"])
      expect(
        await repo((r) =>
          r.replayFailed(a, created.id, {
            since: new Date(Date.now() + 60_000),
            eventType: undefined,
            limit: 10
          })
        )
      ).toEqual({ replayed: 0, remaining: 0 })
      expect(
        await repo((r) => r.replayFailed(a, created.id, { since, eventType: undefined, limit: 10 }))
      ).toEqual({
        replayed: 2,
        remaining: 0
      })
      expect(await repo((r) => r.replay(a, created.id, delivered.id))).toBe(true)
      const replayed = (await repo((r) => r.deliveries(a, created.id, { page: 1, perPage: 10 }))).rows.find(
        (d) => d.id === delivered.id
      )
      expect(replayed).toMatchObject({ status: "pending", deliveredAt: null })
      expect(replayed?.nextAttemptAt).toBeInstanceOf(Date)
      const stranger = await newTeam(s)
      expect(await repo((r) => r.replay(stranger, created.id, delivered.id))).toBe(false)
      expect(await repo((r) => r.replay(a, created.id, 987_654_321))).toBe(false)
    })

    it("deletes an endpoint with its delivery log", async () => {
      const a = await newTeam(s)
      const created = await repo((r) => r.create(a, hook()))
      await testEvent(a, created.id)
      expect(await repo((r) => r.delete(a, created.id))).toBe(true)
      expect(await repo((r) => r.delete(a, created.id))).toBe(false)
      expect(Option.isNone(await repo((r) => r.get(a, created.id)))).toBe(true)
      expect((await repo((r) => r.deliveries(a, created.id, { page: 1, perPage: 10 }))).total).toBe(0)
    })
  })
}
