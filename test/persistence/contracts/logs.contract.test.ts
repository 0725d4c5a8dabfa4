import { AuditLog, RequestLog } from "@poststack/application"
import type { NewAuditEntry, NewRequestLogEntry, TeamId } from "@poststack/domain"
import { Effect } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { eventually } from "../../support/webhookReceiver.js"
import { newTeam, type Subject, subjects } from "./subjects.js"

const DAY = 86_400_000
const now = Date.now()

const auditEntry = (teamId: TeamId, over: Partial<NewAuditEntry>): NewAuditEntry => ({
  teamId,
  action: "api_key.created",
  actor: { kind: "api_key", id: "7" },
  target: { type: "api_key", id: "8" },
  details: { name: "ci", domain_id: null, live: true },
  address: "192.0.2.1",
  userAgent: "sdk/1",
  at: new Date(now),
  ...over
})

const request = (teamId: TeamId, over: Partial<NewRequestLogEntry>): NewRequestLogEntry => ({
  teamId,
  actor: { kind: "api_key", id: "7" },
  method: "GET",
  endpoint: "/emails/:id",
  status: 200,
  durationMs: 3,
  address: "192.0.2.1",
  userAgent: "sdk/1",
  at: new Date(now),
  ...over
})

for (const [name, start] of subjects) {
  describe(`AuditLog and RequestLog contract: ${name}`, () => {
    let s: Subject
    const audit = <A, E>(f: (r: AuditLog["Type"]) => Effect.Effect<A, E>) =>
      s.run(Effect.flatMap(AuditLog, f))
    const requests = <A, E>(f: (r: RequestLog["Type"]) => Effect.Effect<A, E>) =>
      s.run(Effect.flatMap(RequestLog, f))
    beforeAll(async () => {
      s = await start()
    })
    afterAll(() => s.close())

    it("audit: keeps entries as given, lists one team's newest first, filters, pages, and purges by age", async () => {
      const [a, b] = [await newTeam(s), await newTeam(s)]
      await audit((r) => r.record(auditEntry(a, { at: new Date(now - 2000) })))
      await audit((r) =>
        r.record(
          auditEntry(a, {
            action: "domain.added",
            actor: { kind: "user", id: "u1" },
            at: new Date(now - 1000)
          })
        )
      )
      await audit((r) =>
        r.record(
          auditEntry(a, {
            action: "suppression.removed",
            actor: { kind: "operator", id: null },
            target: null,
            details: {},
            address: null,
            userAgent: null
          })
        )
      )
      await audit((r) => r.record(auditEntry(a, { at: new Date(now - 100 * DAY) })))
      await audit((r) => r.record(auditEntry(b, {})))
      const all = await audit((r) => r.list(a, {}, 1, 10))
      expect(all.total).toBe(4)
      expect(all.entries.map((e) => e.action)).toEqual([
        "suppression.removed",
        "domain.added",
        "api_key.created",
        "api_key.created"
      ])
      const [latest, , first] = all.entries
      expect(latest).toMatchObject({
        actor: { kind: "operator", id: null },
        target: null,
        address: null,
        userAgent: null
      })
      expect(first).toMatchObject({
        teamId: a,
        actor: { kind: "api_key", id: "7" },
        target: { type: "api_key", id: "8" },
        details: { name: "ci", domain_id: null, live: true },
        address: "192.0.2.1",
        userAgent: "sdk/1"
      })
      expect(first?.at.getTime()).toBe(now - 2000)
      expect((await audit((r) => r.list(a, { actions: ["domain.added"] }, 1, 10))).total).toBe(1)
      expect((await audit((r) => r.list(a, { actorKind: "user", actorId: "u1" }, 1, 10))).total).toBe(1)
      expect((await audit((r) => r.list(a, { actorKind: "api_key", actorId: "u1" }, 1, 10))).total).toBe(0)
      expect(
        (await audit((r) => r.list(a, { from: new Date(now - 1500), to: new Date(now - 500) }, 1, 10))).total
      ).toBe(1)
      const page2 = await audit((r) => r.list(a, {}, 2, 3))
      expect([page2.total, page2.entries.length]).toEqual([4, 1])
      expect(await audit((r) => r.purgeOlderThan(new Date(now - 90 * DAY), 1))).toBe(1)
      expect((await audit((r) => r.list(a, {}, 1, 10))).total).toBe(3)
      expect((await audit((r) => r.list(b, {}, 1, 10))).total).toBe(1)
    })

    it("audit: a person's own entries, what they did and what was done to them, in every team", async () => {
      const [a, b] = [await newTeam(s), await newTeam(s)]
      const person = `usr_${String(a).padStart(24, "0")}`
      await audit((r) =>
        r.record(auditEntry(a, { actor: { kind: "user", id: person }, at: new Date(now - 3000) }))
      )
      await audit((r) =>
        r.record(
          auditEntry(b, {
            action: "member.removed",
            target: { type: "user", id: person },
            at: new Date(now - 1000)
          })
        )
      )
      await audit((r) =>
        r.record(
          auditEntry(null as unknown as TeamId, {
            actor: { kind: "user", id: person },
            at: new Date(now - 2000)
          })
        )
      )
      await audit((r) => r.record(auditEntry(a, { actor: { kind: "user", id: `${person}x` } })))
      await audit((r) => r.record(auditEntry(a, { actor: { kind: "api_key", id: person } })))
      const mine = await audit((r) => r.aboutPerson(person, 10))
      expect(mine.map((e) => e.at.getTime())).toEqual([now - 1000, now - 2000, now - 3000])
      expect((await audit((r) => r.aboutPerson(person, 1))).length).toBe(1)
    })

    it("requests: recorded in the background, listed per team with filters, purged by age", async () => {
      const [a, b] = [await newTeam(s), await newTeam(s)]
      await requests((r) => r.record(request(a, { at: new Date(now - 3000) })))
      await requests((r) =>
        r.record(request(a, { method: "POST", endpoint: "/emails", status: 422, at: new Date(now - 2000) }))
      )
      await requests((r) =>
        r.record(request(a, { actor: { kind: "user", id: "u1" }, status: 503, at: new Date(now - 1000) }))
      )
      await requests((r) => r.record(request(a, { at: new Date(now - 40 * DAY) })))
      await requests((r) => r.record(request(b, {})))
      // The page and its total are two reads: wait for both to see all four rows.
      const all = await eventually(
        () => requests((r) => r.list(a, {}, 1, 10)),
        (page) => page.total === 4 && page.entries.length === 4
      )
      expect(all.entries.map((e) => e.status)).toEqual([503, 422, 200, 200])
      expect(all.entries[1]).toMatchObject({
        teamId: a,
        actor: { kind: "api_key", id: "7" },
        method: "POST",
        endpoint: "/emails",
        durationMs: 3,
        address: "192.0.2.1",
        userAgent: "sdk/1"
      })
      expect(all.entries[1]?.at.getTime()).toBe(now - 2000)
      expect((await requests((r) => r.list(a, { statusClass: "4xx" }, 1, 10))).total).toBe(1)
      expect((await requests((r) => r.list(a, { statusClass: "2xx", method: "GET" }, 1, 10))).total).toBe(2)
      expect((await requests((r) => r.list(a, { endpoint: "/emails" }, 1, 10))).total).toBe(1)
      expect((await requests((r) => r.list(a, { apiKeyId: "7" }, 1, 10))).total).toBe(3)
      expect((await requests((r) => r.list(a, { apiKeyId: "u1" }, 1, 10))).total).toBe(0)
      expect((await requests((r) => r.list(a, { from: new Date(now - 2500) }, 1, 10))).total).toBe(2)
      expect(await requests((r) => r.purgeOlderThan(new Date(now - 30 * DAY), 1000))).toBe(1)
      expect((await requests((r) => r.list(a, {}, 1, 10))).total).toBe(3)
      expect(
        (
          await eventually(
            () => requests((r) => r.list(b, {}, 1, 10)),
            (p) => p.total === 1
          )
        ).total
      ).toBe(1)
    })
  })
}
