import { ApiKeyRepository, DomainRepository, type NewDkimKey, type NewDomain } from "@poststack/application"
import { type DkimKey, DnsRecord, type Domain, type TeamId } from "@poststack/domain"
import { Effect, Option } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { newTeam, type Subject, subjects } from "./subjects.js"

const domainInput = (teamId: TeamId, name: string): NewDomain => ({
  teamId,
  name,
  returnPathLabel: "bounces",
  openTracking: true,
  clickTracking: false,
  trackingDomain: null,
  tlsMode: "opportunistic",
  inboundEnabled: false
})

const dkimKey: NewDkimKey = {
  selector: "ps1",
  publicKey: "MIIBIjANBgkqh",
  sealedPrivateKey: new Uint8Array([1, 2, 3]),
  state: "active"
}

const txtRecord = (name: string, value: string, status: DnsRecord["status"] = "pending") =>
  DnsRecord.make({
    type: "TXT",
    purpose: "spf",
    name,
    value,
    priority: null,
    status,
    required: true,
    checkedAt: null,
    addedAt: new Date("2026-12-01T00:00:00.000Z")
  })

/** The records a new domain gets: here one TXT naming the DKIM keys it was given. */
const recordsFor = (domain: Domain, keys: ReadonlyArray<DkimKey>) => [
  txtRecord(domain.name, keys.map((k) => `${k.selector}:${k.state}`).join(","))
]

for (const [name, start] of subjects) {
  describe(`DomainRepository contract: ${name}`, () => {
    let s: Subject
    const repo = <A, E>(f: (r: DomainRepository["Type"]) => Effect.Effect<A, E>) =>
      s.run(Effect.flatMap(DomainRepository, f))
    const create = (teamId: TeamId, domainName: string) =>
      repo((r) => r.create(domainInput(teamId, domainName), dkimKey, recordsFor)).then(Option.getOrThrow)
    beforeAll(async () => {
      s = await start()
    })
    afterAll(() => s.close())

    it("creates a pending domain with its first DKIM key in its records, once per name and team", async () => {
      const [a, b] = [await newTeam(s), await newTeam(s)]
      const domain = await create(a, "mail.example.com")
      expect(domain).toMatchObject({
        teamId: a,
        name: "mail.example.com",
        status: "pending",
        openTracking: true,
        clickTracking: false,
        verifiedAt: null,
        verifiedLocallyAt: null
      })
      expect(domain.publicId).toMatch(/^dom_[0-9a-f]{32}$/)
      expect(domain.dnsRecords.map((r) => r.value)).toEqual(["ps1:active"])
      const again = await repo((r) => r.create(domainInput(a, "mail.example.com"), dkimKey, recordsFor))
      expect(Option.isNone(again)).toBe(true)
      const otherTeam = await repo((r) => r.create(domainInput(b, "mail.example.com"), dkimKey, recordsFor))
      expect(Option.getOrThrow(otherTeam).id).not.toBe(domain.id)
    })

    it("reads by id, public id and name, only within the team, in creation order", async () => {
      const [a, b] = [await newTeam(s), await newTeam(s)]
      const first = await create(a, "one.example.com")
      const second = await create(a, "two.example.com")
      await s.run(
        Effect.gen(function* () {
          const r = yield* DomainRepository
          expect((yield* r.list(a)).map((d) => d.name)).toEqual(["one.example.com", "two.example.com"])
          expect(Option.getOrThrow(yield* r.get(a, { _tag: "Numeric", id: first.id })).name).toBe(first.name)
          expect(Option.getOrThrow(yield* r.get(a, { _tag: "Public", publicId: second.publicId })).id).toBe(
            second.id
          )
          expect(Option.getOrThrow(yield* r.findByName(a, "two.example.com")).id).toBe(second.id)
          expect(yield* r.list(b)).toEqual([])
          expect(Option.isNone(yield* r.get(b, { _tag: "Numeric", id: first.id }))).toBe(true)
          expect(Option.isNone(yield* r.findByName(b, "one.example.com"))).toBe(true)
          expect(Option.isNone(yield* r.update(b, first.id, { catchAll: true }))).toBe(true)
          expect(yield* r.delete(b, first.id)).toBe(false)
        })
      )
    })

    it("updates only the fields given, records included, and bumps the version each time", async () => {
      const a = await newTeam(s)
      const domain = await create(a, "update.example.com")
      const updated = Option.getOrThrow(
        await repo((r) =>
          r.update(a, domain.id, {
            catchAll: true,
            trackingDomain: "t.update.example.com",
            dnsRecords: [txtRecord("update.example.com", "v=spf1 -all")]
          })
        )
      )
      expect(updated).toMatchObject({
        catchAll: true,
        trackingDomain: "t.update.example.com",
        openTracking: true
      })
      expect(updated.dnsRecords.map((r) => r.value)).toEqual(["v=spf1 -all"])
      expect(updated.version).toBe(domain.version + 1)
      const cleared = Option.getOrThrow(await repo((r) => r.update(a, domain.id, { trackingDomain: null })))
      expect(cleared).toMatchObject({ trackingDomain: null, catchAll: true, version: domain.version + 2 })
      expect(Option.getOrThrow(await repo((r) => r.findByName(a, "update.example.com")))).toEqual(cleared)
    })

    it("saves a check computed from the current version with its events, and refuses one from an older read", async () => {
      const a = await newTeam(s)
      const domain = await create(a, "check.example.com")
      const checkedAt = new Date("2026-12-05T10:00:00.000Z")
      const result = {
        records: [txtRecord("check.example.com", "v=spf1 -all", "verified")],
        status: "verified" as const,
        verifiedAt: checkedAt,
        checkedAt,
        nextCheckAt: new Date("2099-01-01T00:00:00.000Z"),
        events: [
          {
            type: "domain.verified" as const,
            data: {
              domain_id: domain.id,
              public_id: domain.publicId,
              name: domain.name,
              status: "verified" as const
            }
          }
        ]
      }
      const saved = Option.getOrThrow(await repo((r) => r.saveCheck(domain.id, domain.version, result)))
      expect(saved).toMatchObject({ status: "verified", verifiedAt: checkedAt, lastCheckedAt: checkedAt })
      expect(saved.dnsRecords.map((r) => r.status)).toEqual(["verified"])
      const stale = await repo((r) => r.saveCheck(domain.id, domain.version, { ...result, status: "failed" }))
      expect(Option.isNone(stale)).toBe(true)
      expect(Option.getOrThrow(await repo((r) => r.get(a, { _tag: "Numeric", id: domain.id }))).status).toBe(
        "verified"
      )
      expect(await s.events(a)).toEqual([
        {
          type: "domain.verified",
          payload: { domain_id: domain.id, public_id: domain.publicId, name: domain.name, status: "verified" }
        }
      ])
    })

    it("lists the domains due for a check, oldest due first, and not those checked until later", async () => {
      const a = await newTeam(s)
      const due = await create(a, "due.example.com")
      const later = await create(a, "later.example.com")
      await repo((r) =>
        r.saveCheck(later.id, later.version, {
          records: later.dnsRecords,
          status: "pending",
          verifiedAt: null,
          checkedAt: new Date(),
          nextCheckAt: new Date("2099-01-01T00:00:00.000Z"),
          events: []
        })
      )
      const ids = (await repo((r) => r.dueForCheck(new Date(Date.now() + 1000), 10_000))).map((d) => d.id)
      expect(ids).toContain(due.id)
      expect(ids).not.toContain(later.id)
      const farFuture = await repo((r) => r.dueForCheck(new Date("2099-06-01T00:00:00.000Z"), 10_000))
      expect(farFuture.map((d) => d.id).indexOf(due.id)).toBeLessThan(
        farFuture.map((d) => d.id).indexOf(later.id)
      )
      expect(await repo((r) => r.dueForCheck(new Date(Date.now() + 1000), 1))).toHaveLength(1)
    })

    it("marks a domain verified locally, writing domain.verified only when it was not verified", async () => {
      const a = await newTeam(s)
      const domain = await create(a, "local.example.com")
      const at = new Date("2026-12-05T11:00:00.000Z")
      const marked = Option.getOrThrow(await repo((r) => r.markVerifiedLocally(a, domain.id, at)))
      expect(marked).toMatchObject({ status: "verified", verifiedAt: at, verifiedLocallyAt: at })
      const later = new Date("2026-12-05T12:00:00.000Z")
      const again = Option.getOrThrow(await repo((r) => r.markVerifiedLocally(a, domain.id, later)))
      expect(again).toMatchObject({ verifiedAt: at, verifiedLocallyAt: later })
      expect(await s.events(a)).toEqual([
        {
          type: "domain.verified",
          payload: {
            domain_id: domain.id,
            public_id: domain.publicId,
            name: "local.example.com",
            status: "verified",
            verified_locally: true
          }
        }
      ])
      const stranger = await newTeam(s)
      expect(Option.isNone(await repo((r) => r.markVerifiedLocally(stranger, domain.id, at)))).toBe(true)
    })

    it("deletes a domain out of every read, revokes the keys scoped to it, and frees its name", async () => {
      const a = await newTeam(s)
      const gone = await create(a, "gone.example.com")
      const kept = await create(a, "kept.example.com")
      const key = (domainId: number, n: number) =>
        s.run(
          Effect.flatMap(ApiKeyRepository, (r) =>
            r.insert({
              teamId: a,
              name: `key ${n}`,
              keyHash: new Uint8Array(32).fill(n).map((b, i) => (i === 0 ? a % 256 : b)),
              keyPrefix: "sk_live_abcd",
              permission: "sending_access",
              mode: "live",
              domainId: domainId as Domain["id"]
            })
          )
        )
      const scoped = await key(gone.id, 1)
      const other = await key(kept.id, 2)
      expect(await repo((r) => r.delete(a, gone.id))).toBe(true)
      expect(await repo((r) => r.delete(a, gone.id))).toBe(false)
      await s.run(
        Effect.gen(function* () {
          const r = yield* DomainRepository
          expect((yield* r.list(a)).map((d) => d.id)).toEqual([kept.id])
          expect(Option.isNone(yield* r.get(a, { _tag: "Numeric", id: gone.id }))).toBe(true)
          expect(Option.isNone(yield* r.findByName(a, "gone.example.com"))).toBe(true)
          expect(Option.isNone(yield* r.update(a, gone.id, { catchAll: true }))).toBe(true)
          expect(
            (yield* r.dueForCheck(new Date("2099-06-01T00:00:00.000Z"), 10_000)).map((d) => d.id)
          ).not.toContain(gone.id)
          const keys = yield* ApiKeyRepository
          expect(Option.isNone(yield* keys.get(a, scoped.id))).toBe(true)
          expect(Option.isSome(yield* keys.get(a, other.id))).toBe(true)
        })
      )
      const reborn = await create(a, "gone.example.com")
      expect(reborn.id).not.toBe(gone.id)
    })
  })
}
