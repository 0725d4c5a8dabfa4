import { DomainRepository, InboundRepository, type NewInboundEmail } from "@poststack/application"
import type { Domain, TeamId } from "@poststack/domain"
import { Effect, Option } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { newTeam, type Subject, subjects } from "./subjects.js"
import { newDomain, verify } from "./support.js"

const received = (domain: Domain, to: string, overrides: Partial<NewInboundEmail> = {}): NewInboundEmail => ({
  teamId: domain.teamId,
  domainId: domain.id,
  fromAddress: "sender@example.org",
  fromName: "Sender",
  toAddress: to,
  toAddresses: [{ address: to, name: null }],
  ccAddresses: [{ address: "cc@example.org", name: "Cc" }],
  messageId: "<m1@example.org>",
  inReplyTo: null,
  references: ["<m0@example.org>"],
  subject: "Hello",
  htmlBody: "<p>Hello</p>",
  textBody: "Hello",
  headers: { "x-mailer": "test" },
  mailboxHash: null,
  authentication: { spf: "pass", dkim: "none", dmarc: "fail" },
  spamScore: null,
  spamVerdict: null,
  rawKey: `raw/${domain.id}/${to}`,
  envelope: { mailFrom: "bounce@example.org", rcptTo: [to] },
  ...overrides
})

for (const [name, start] of subjects) {
  describe(`InboundRepository contract: ${name}`, () => {
    let s: Subject
    const inbound = <A, E>(f: (r: InboundRepository["Type"]) => Effect.Effect<A, E>) =>
      s.run(Effect.flatMap(InboundRepository, f))
    const receiving = async (team: TeamId, domainName: string) => {
      const domain = await newDomain(s, team, domainName)
      await s.run(
        Effect.flatMap(DomainRepository, (r) => r.update(team, domain.id, { inboundEnabled: true }))
      )
      return domain
    }
    beforeAll(async () => {
      s = await start()
    })
    afterAll(() => s.close())

    it("stores a long message for a hundred recipients without reading its text once for each", async () => {
      const team = await newTeam(s)
      const domain = await receiving(team, "many.example.com")
      // Half a million empty lines: reading them all (the stripped reply of the inbound event)
      // takes about a tenth of a second, a hundred times over when each recipient's row reads them.
      const textBody = "\n".repeat(500_000)
      const rows = Array.from({ length: 100 }, (_, i) =>
        received(domain, `r${i}@many.example.com`, { textBody, htmlBody: null, rawKey: "raw/many" })
      )
      const started = performance.now()
      expect(await inbound((r) => r.store(rows, []))).toHaveLength(100)
      // About 3 s here when the text is read once, about 10 s when read for each row.
      expect(performance.now() - started).toBeLessThan(6_000)
    }, 60_000)

    it("routes a verified domain's own host when inbound is on, and its bounce host always", async () => {
      const team = await newTeam(s)
      const domain = await receiving(team, "in.example.com")
      const route = (host: string) => inbound((r) => r.route(host))
      expect(Option.isNone(await route("in.example.com"))).toBe(true)
      await verify(s, domain)
      expect(Option.getOrThrow(await route("in.example.com"))).toEqual({
        kind: "inbound",
        teamId: team,
        domainId: domain.id,
        domainName: "in.example.com"
      })
      expect(Option.getOrThrow(await route("bounces.in.example.com")).kind).toBe("bounce")
      await s.run(
        Effect.flatMap(DomainRepository, (r) => r.update(team, domain.id, { inboundEnabled: false }))
      )
      expect(Option.isNone(await route("in.example.com"))).toBe(true)
      expect(Option.isSome(await route("bounces.in.example.com"))).toBe(true)
      await s.run(Effect.flatMap(DomainRepository, (r) => r.delete(team, domain.id)))
      expect(Option.isNone(await route("bounces.in.example.com"))).toBe(true)
      expect(Option.isNone(await route("nowhere.example.com"))).toBe(true)
    })

    it("stores one row per recipient with the attachments, and reads them back within the team only", async () => {
      const team = await newTeam(s)
      const domain = await receiving(team, "store.example.com")
      const other = await receiving(team, "other.example.com")
      const attachment = { filename: "a.pdf", contentType: "application/pdf", size: 3, blobKey: "blob/a" }
      const first = received(domain, "ann@store.example.com", {
        rawKey: "raw/shared",
        spamScore: 12.75,
        spamVerdict: "spam"
      })
      const second = received(domain, "bob@store.example.com", { rawKey: "raw/shared", envelope: null })
      const ids = await inbound((r) => r.store([first, second], [attachment]))
      expect(ids).toHaveLength(2)
      await new Promise((r) => setTimeout(r, 5))
      const [third] = await inbound((r) =>
        r.store([received(other, "cat@other.example.com", { spamScore: -0.5, spamVerdict: "clean" })], [])
      )
      const stored = Option.getOrThrow(await inbound((r) => r.get(team, ids[0] as number)))
      expect(stored).toMatchObject({ ...first, id: ids[0] })
      expect(stored.createdAt).toBeInstanceOf(Date)
      const unscored = Option.getOrThrow(await inbound((r) => r.get(team, ids[1] as number)))
      expect(unscored.envelope).toBeNull()
      expect([unscored.spamScore, unscored.spamVerdict]).toEqual([null, null])
      const clean = Option.getOrThrow(await inbound((r) => r.get(team, third as number)))
      expect([clean.spamScore, clean.spamVerdict]).toEqual([-0.5, "clean"])
      const parts = await inbound((r) => r.attachments(team, ids[1] as number))
      expect(parts.map((p) => [p.filename, p.contentType, p.size, p.blobKey])).toEqual([
        ["a.pdf", "application/pdf", 3, "blob/a"]
      ])
      const stranger = await newTeam(s)
      expect(Option.isNone(await inbound((r) => r.get(stranger, ids[0] as number)))).toBe(true)
      expect(await inbound((r) => r.attachments(stranger, ids[0] as number))).toEqual([])
      // Counts: each recipient's row has the shared attachment; a row without any, and another team, are absent.
      const counts = await inbound((r) =>
        r.attachmentCounts(team, [ids[0] as number, ids[1] as number, third as number])
      )
      expect(counts).toEqual(
        new Map([
          [ids[0], 1],
          [ids[1], 1]
        ])
      )
      expect((await inbound((r) => r.attachmentCounts(stranger, [ids[0] as number]))).size).toBe(0)
      expect((await inbound((r) => r.attachmentCounts(team, []))).size).toBe(0)
      const list = async (filter: { name: string | null; domainId: number | null }, page = 1, perPage = 10) =>
        (await inbound((r) => r.list(team, filter, page, perPage))).emails.map((e) => e.id)
      expect(await list({ name: null, domainId: null })).toEqual([third, ids[1], ids[0]])
      expect((await inbound((r) => r.list(team, { name: null, domainId: null }, 2, 2))).total).toBe(3)
      expect(await list({ name: null, domainId: null }, 2, 2)).toEqual([ids[0]])
      expect(await list({ name: "STORE.example.com", domainId: null })).toEqual([ids[1], ids[0]])
      expect(await list({ name: null, domainId: other.id })).toEqual([third])
      expect(await list({ name: "store.example.com", domainId: other.id })).toEqual([])
      expect((await inbound((r) => r.list(stranger, { name: null, domainId: null }, 1, 10))).total).toBe(0)
    })

    it("deletes a row, handing back the blobs once no other recipient's row needs them", async () => {
      const team = await newTeam(s)
      const domain = await receiving(team, "delete.example.com")
      const attachment = { filename: "a.txt", contentType: "text/plain", size: 1, blobKey: "blob/d" }
      const [a, b] = await inbound((r) =>
        r.store(
          [
            received(domain, "a@delete.example.com", { rawKey: "raw/d" }),
            received(domain, "b@delete.example.com", { rawKey: "raw/d" })
          ],
          [attachment]
        )
      )
      const stranger = await newTeam(s)
      expect(Option.isNone(await inbound((r) => r.delete(stranger, a as number)))).toBe(true)
      expect(Option.getOrThrow(await inbound((r) => r.delete(team, a as number)))).toEqual([])
      expect(Option.isNone(await inbound((r) => r.delete(team, a as number)))).toBe(true)
      expect(Option.getOrThrow(await inbound((r) => r.delete(team, b as number)))).toEqual([
        "raw/d",
        "blob/d"
      ])
      expect(Option.isNone(await inbound((r) => r.get(team, b as number)))).toBe(true)
    })
  })
}
