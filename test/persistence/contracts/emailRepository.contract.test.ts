import { DomainRepository, EmailRepository, type NewEmail, SuppressionList } from "@poststack/application"
import { canCancel, canReschedule, type Domain, DomainId, EmailId, type TeamId } from "@poststack/domain"
import { Effect, Option } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { newTeam, type Subject, subjects } from "./subjects.js"

let n = 0
const email = (team: TeamId, domain: Domain, overrides: Partial<NewEmail> = {}): NewEmail => ({
  teamId: team,
  apiKeyId: null,
  domainId: domain.id,
  domainName: domain.name,
  fromAddress: `news@${domain.name}`,
  fromName: "News",
  recipients: [
    { address: "ann@gmail.com", kind: "to" },
    { address: "bob@example.org", kind: "cc" },
    { address: "cat@example.org", kind: "bcc" }
  ],
  replyTo: ["reply@example.com"],
  subject: `Hello ${++n}`,
  html: "<p>Hi</p>",
  text: "Hi",
  headers: { "X-Campaign": "winter" },
  tags: ["welcome"],
  attachments: [],
  rawMime: null,
  messageId: null,
  testMode: false,
  unsubscribe: false,
  trackOpens: true,
  trackClicks: false,
  scheduledAt: null,
  idempotencyKey: null,
  requestHash: "hash-1",
  system: false,
  ...overrides
})

for (const [name, start] of subjects) {
  describe(`EmailRepository contract: ${name}`, () => {
    let s: Subject
    const emails = <A, E>(f: (r: EmailRepository["Type"]) => Effect.Effect<A, E>) =>
      s.run(Effect.flatMap(EmailRepository, f))
    /** A team with one sending domain. */
    const setUp = async () => {
      const team = await newTeam(s)
      const domain = await s.run(
        Effect.flatMap(DomainRepository, (r) =>
          r.create(
            {
              teamId: team,
              name: `t${team}.example.com`,
              returnPathLabel: "bounces",
              openTracking: true,
              clickTracking: false,
              trackingDomain: null,
              tlsMode: "enforced",
              inboundEnabled: false
            },
            { selector: "ps1", publicKey: "MIIB", sealedPrivateKey: new Uint8Array([1]), state: "active" },
            () => []
          )
        )
      )
      return { team, domain: Option.getOrThrow(domain) }
    }
    const accept = async (input: NewEmail) => {
      const result = await emails((r) => r.accept(input))
      if (result._tag !== "Created") throw new Error("expected a new email")
      return result.publicId
    }
    const eventsOf = async (team: TeamId, publicId: string) =>
      Option.getOrThrow(await emails((r) => r.events(team, publicId))).map((e) => [e.eventType, e.metadata])
    beforeAll(async () => {
      s = await start()
    })
    afterAll(() => s.close())

    it("stores an email with its recipients split by kind and its first event, only for its team", async () => {
      const { team, domain } = await setUp()
      const id = await accept(email(team, domain, { messageId: "<given@example.com>" }))
      expect(id).toMatch(/^em_[0-9a-f]{32}$/)
      const stored = Option.getOrThrow(await emails((r) => r.get(team, id)))
      expect(stored).toMatchObject({
        publicId: id,
        teamId: team,
        domainId: domain.id,
        toAddresses: ["ann@gmail.com"],
        ccAddresses: ["bob@example.org"],
        bccAddresses: ["cat@example.org"],
        replyTo: ["reply@example.com"],
        headers: { "X-Campaign": "winter" },
        status: "queued",
        scheduledAt: null,
        sentAt: null,
        messageId: "<given@example.com>",
        htmlBody: "<p>Hi</p>",
        textBody: "Hi"
      })
      expect(await eventsOf(team, id)).toEqual([["queued", {}]])
      const minted = await accept(email(team, domain))
      expect(Option.getOrThrow(await emails((r) => r.get(team, minted))).messageId).toMatch(
        new RegExp(`^<.+@${domain.name.replaceAll(".", "\\.")}>$`)
      )
      const other = await newTeam(s)
      expect(Option.isNone(await emails((r) => r.get(other, id)))).toBe(true)
      expect(Option.isNone(await emails((r) => r.events(other, id)))).toBe(true)
    })

    it("keeps system mail out of every read of its team", async () => {
      const { team, domain } = await setUp()
      const own = await accept(email(team, domain))
      const system = await accept(email(team, domain, { system: true, subject: "Reset your password" }))
      const listed = await emails((r) => r.list(team, {}, 1, 100))
      expect(listed.emails.map((e) => e.publicId)).toEqual([own])
      expect(listed.total).toBe(1)
      expect(Option.isNone(await emails((r) => r.get(team, system)))).toBe(true)
      expect(Option.isNone(await emails((r) => r.events(team, system)))).toBe(true)
      expect(await emails((r) => r.cancel(team, system, () => true))).toEqual({ _tag: "NotFound" })
      expect(await emails((r) => r.reschedule(team, system, new Date(), () => true))).toEqual({
        _tag: "NotFound"
      })
    })

    it("stores one email per idempotency key and team, answering later sends with the first", async () => {
      const { team, domain } = await setUp()
      const first = await accept(email(team, domain, { idempotencyKey: "order-1", requestHash: "h1" }))
      const again = await emails((r) =>
        r.accept(email(team, domain, { idempotencyKey: "order-1", requestHash: "h2" }))
      )
      expect(again).toEqual({ _tag: "Existing", publicId: first, requestHash: "h1" })
      const other = await setUp()
      const elsewhere = await emails((r) =>
        r.accept(email(other.team, other.domain, { idempotencyKey: "order-1", requestHash: "h1" }))
      )
      expect(elsewhere._tag).toBe("Created")
      expect((await emails((r) => r.list(team, {}, 1, 10))).total).toBe(1)
    })

    it("suppresses listed recipients, naming the entry, and the whole email when all are listed", async () => {
      const { team, domain } = await setUp()
      const entry = await s.run(
        Effect.flatMap(SuppressionList, (l) => l.add(team, "BOB@example.org", "hard_bounce", null))
      )
      const partly = await accept(email(team, domain))
      expect(Option.getOrThrow(await emails((r) => r.get(team, partly))).status).toBe("queued")
      expect(await eventsOf(team, partly)).toEqual([
        ["queued", {}],
        ["suppressed", { recipient: "bob@example.org", reason: "hard_bounce", suppression_id: entry.id }]
      ])
      const whole = await accept(
        email(team, domain, { recipients: [{ address: "bob@EXAMPLE.org", kind: "to" }] })
      )
      expect(Option.getOrThrow(await emails((r) => r.get(team, whole))).status).toBe("suppressed")
      expect((await emails((r) => r.cancel(team, whole, canCancel)))._tag).toBe("Refused")
    })

    it("suppresses by each email's own team when many are accepted at once", async () => {
      const { team, domain } = await setUp()
      const other = await setUp()
      const entry = await s.run(
        Effect.flatMap(SuppressionList, (l) => l.add(team, "bob@example.org", "complaint", null))
      )
      const to = (address: string) => ({ recipients: [{ address, kind: "to" as const }] })
      // Accepted together: one of the same team's emails names a listed address, the others do not.
      const ids = await Promise.all([
        accept(email(team, domain, to("ann@gmail.com"))),
        accept(email(team, domain)),
        accept(email(other.team, other.domain, to("bob@example.org"))),
        accept(email(team, domain, to("Bob@Example.org"))),
        accept(email(team, domain, to("cat@example.org")))
      ])
      expect(new Set(ids).size).toBe(5)
      const [alone, partly, elsewhere, whole, clean] = ids as [string, string, string, string, string]
      const statusOf = async (t: TeamId, id: string) =>
        Option.getOrThrow(await emails((r) => r.get(t, id))).status
      expect(await eventsOf(team, alone)).toEqual([["queued", {}]])
      expect(await eventsOf(team, partly)).toEqual([
        ["queued", {}],
        ["suppressed", { recipient: "bob@example.org", reason: "complaint", suppression_id: entry.id }]
      ])
      expect(await statusOf(team, partly)).toBe("queued")
      expect(await eventsOf(other.team, elsewhere)).toEqual([["queued", {}]])
      expect(await statusOf(other.team, elsewhere)).toBe("queued")
      expect(await statusOf(team, whole)).toBe("suppressed")
      expect(await eventsOf(team, clean)).toEqual([["queued", {}]])
    })

    it("cancels an email none of whose deliveries started, once", async () => {
      const { team, domain } = await setUp()
      const id = await accept(email(team, domain))
      const stranger = await newTeam(s)
      expect((await emails((r) => r.cancel(stranger, id, canCancel)))._tag).toBe("NotFound")
      expect((await emails((r) => r.cancel(team, id, canCancel)))._tag).toBe("Written")
      expect(Option.getOrThrow(await emails((r) => r.get(team, id))).status).toBe("cancelled")
      expect((await emails((r) => r.cancel(team, id, canCancel)))._tag).toBe("Refused")
      expect(await eventsOf(team, id)).toEqual([
        ["queued", {}],
        ["cancelled", {}]
      ])
      expect((await emails((r) => r.cancel(team, "em_missing", canCancel)))._tag).toBe("NotFound")
    })

    it("shows the lifecycle rule the email's progress, and writes only when the rule holds", async () => {
      const { team, domain } = await setUp()
      const id = await accept(email(team, domain))
      const seen: Array<unknown> = []
      const refuseAll = (progress: unknown) => {
        seen.push(progress)
        return false
      }
      expect(await emails((r) => r.cancel(team, id, refuseAll))).toEqual({
        _tag: "Refused",
        progress: { status: "queued", deliveries: ["queued", "queued", "queued"] }
      })
      expect(await emails((r) => r.reschedule(team, id, new Date("2099-01-01"), refuseAll))).toMatchObject({
        _tag: "Refused"
      })
      expect(seen).toHaveLength(2)
      expect(Option.getOrThrow(await emails((r) => r.get(team, id))).status).toBe("queued")
      expect(await eventsOf(team, id)).toEqual([["queued", {}]])
    })

    it("schedules and reschedules an email still waiting, and no other", async () => {
      const { team, domain } = await setUp()
      const at = new Date("2099-01-01T10:00:00.000Z")
      const later = new Date("2099-01-02T10:00:00.000Z")
      const id = await accept(email(team, domain, { scheduledAt: at }))
      expect(Option.getOrThrow(await emails((r) => r.get(team, id)))).toMatchObject({
        status: "scheduled",
        scheduledAt: at
      })
      expect((await emails((r) => r.reschedule(team, id, later, canReschedule)))._tag).toBe("Written")
      expect(Option.getOrThrow(await emails((r) => r.get(team, id))).scheduledAt).toEqual(later)
      expect(await eventsOf(team, id)).toEqual([
        ["scheduled", { scheduled_at: at.toISOString() }],
        ["scheduled", { scheduled_at: later.toISOString(), rescheduled: true }]
      ])
      const queued = await accept(email(team, domain))
      expect((await emails((r) => r.reschedule(team, queued, later, canReschedule)))._tag).toBe("Refused")
      const stranger = await newTeam(s)
      expect((await emails((r) => r.reschedule(stranger, id, later, canReschedule)))._tag).toBe("NotFound")
      expect((await emails((r) => r.cancel(team, id, canCancel)))._tag).toBe("Written")
      expect((await emails((r) => r.reschedule(team, id, later, canReschedule)))._tag).toBe("Refused")
    })

    it("lists newest first with a total, filtered as the API asks", async () => {
      const { team, domain } = await setUp()
      const a = await accept(email(team, domain, { subject: "Winter 100% off", tags: ["promo"] }))
      await new Promise((r) => setTimeout(r, 5))
      const b = await accept(
        email(team, domain, {
          fromAddress: `billing@${domain.name}`,
          recipients: [
            { address: "dan@outlook.com", kind: "to" },
            { address: "Eve@Example.net", kind: "cc" }
          ]
        })
      )
      await new Promise((r) => setTimeout(r, 5))
      const c = await accept(email(team, domain, { scheduledAt: new Date("2099-01-01T00:00:00.000Z") }))
      const ids = async (filter: Parameters<EmailRepository["Type"]["list"]>[1], page = 1, perPage = 10) =>
        (await emails((r) => r.list(team, filter, page, perPage))).emails.map((e) => e.publicId)
      expect(await ids({})).toEqual([c, b, a])
      const firstPage = await emails((r) => r.list(team, {}, 1, 2))
      expect([firstPage.total, firstPage.emails.map((e) => e.publicId)]).toEqual([3, [c, b]])
      expect(await ids({}, 2, 2)).toEqual([a])
      expect(await ids({ statuses: ["scheduled"] })).toEqual([c])
      expect(await ids({ tag: "promo" })).toEqual([a])
      expect(await ids({ subject: "100%" })).toEqual([a])
      expect(await ids({ subject: "1_0%" })).toEqual([])
      expect(await ids({ sender: "BILLING" })).toEqual([b])
      expect(await ids({ recipient: "eve@example" })).toEqual([b])
      expect(await ids({ provider: "outlook" })).toEqual([b])
      expect(await ids({ provider: "gmail" })).toEqual([c, a])
      expect(await ids({ provider: "no-such-provider" })).toEqual([])
      expect(await ids({ domainId: DomainId.make(domain.id + 100_000) })).toEqual([])
      expect(await ids({ country: "DE" })).toEqual([])
      expect(await ids({ from: new Date("2099-01-01T00:00:00.000Z") })).toEqual([])
      const stranger = await newTeam(s)
      expect((await emails((r) => r.list(stranger, {}, 1, 10))).total).toBe(0)
    })

    it("loads emails for delivery with their domain's sending settings, leaving out unknown ids", async () => {
      const { team, domain } = await setUp()
      const raw = new TextEncoder().encode("Subject: raw\r\n\r\nbody")
      const id = await accept(
        email(team, domain, {
          rawMime: raw,
          attachments: [
            { filename: "a.txt", contentType: "text/plain", contentId: null, content: new Uint8Array([65]) }
          ]
        })
      )
      const record = Option.getOrThrow(await emails((r) => r.get(team, id)))
      const loaded = await emails((r) => r.loadForDelivery([record.id, EmailId.make(987_654_321)]))
      expect([...loaded.keys()]).toEqual([record.id])
      const forDelivery = loaded.get(record.id)
      expect(forDelivery).toMatchObject({
        htmlBody: "<p>Hi</p>",
        textBody: "Hi",
        domainName: domain.name,
        returnPathHost: `bounces.${domain.name}`,
        localAddress: null,
        trackOpens: true,
        trackClicks: false,
        trackingDomain: null,
        tlsMode: "enforced"
      })
      expect(forDelivery?.record.publicId).toBe(id)
      expect([...(forDelivery?.rawMime ?? [])]).toEqual([...raw])
      expect(forDelivery?.attachments.map((a) => [a.filename, a.contentType, [...a.content]])).toEqual([
        ["a.txt", "text/plain", [65]]
      ])
      expect(await emails((r) => r.placementRows(domain.id, new Date(0)))).toEqual([])
    })
  })
}
