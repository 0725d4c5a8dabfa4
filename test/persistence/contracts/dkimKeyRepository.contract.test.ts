import { DkimKeyRepository, DomainRepository } from "@poststack/application"
import { Effect, Option } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { newTeam, type Subject, subjects } from "./subjects.js"
import { newDomain, verify } from "./support.js"

const pending = (selector: string) => ({
  selector,
  publicKey: `pub-${selector}`,
  sealedPrivateKey: new Uint8Array([2, 2]),
  state: "pending" as const
})

for (const [name, start] of subjects) {
  describe(`DkimKeyRepository contract: ${name}`, () => {
    let s: Subject
    const keys = <A, E>(f: (r: DkimKeyRepository["Type"]) => Effect.Effect<A, E>) =>
      s.run(Effect.flatMap(DkimKeyRepository, f))
    beforeAll(async () => {
      s = await start()
    })
    afterAll(() => s.close())

    it("signs with the active key of a verified domain only", async () => {
      const team = await newTeam(s)
      const domain = await newDomain(s, team, "sign.example.com")
      expect(Option.isNone(await keys((r) => r.signingKey(domain.id)))).toBe(true)
      await verify(s, domain)
      const signing = Option.getOrThrow(await keys((r) => r.signingKey(domain.id)))
      expect({ ...signing, sealedPrivateKey: [...signing.sealedPrivateKey] }).toMatchObject({
        domainName: "sign.example.com",
        selector: "ps1",
        sealedPrivateKey: [1]
      })
      expect((await keys((r) => r.keys(domain.id))).map((k) => [k.id, k.selector, k.state])).toEqual([
        [signing.keyId, "ps1", "active"]
      ])
      await s.run(Effect.flatMap(DomainRepository, (r) => r.delete(team, domain.id)))
      expect(Option.isNone(await keys((r) => r.signingKey(domain.id)))).toBe(true)
    })

    it("rotates: one pending key at a time, activated once published, the old one retiring then retired", async () => {
      const team = await newTeam(s)
      const domain = await newDomain(s, team, "rotate.example.com")
      await verify(s, domain)
      const [old] = await keys((r) => r.keys(domain.id))
      const staged = Option.getOrThrow(await keys((r) => r.addPending(domain.id, pending("ps2"))))
      expect(staged).toMatchObject({ selector: "ps2", state: "pending", publishedAt: null })
      expect(Option.isNone(await keys((r) => r.addPending(domain.id, pending("ps3"))))).toBe(true)
      const retireAfter = new Date("2099-01-08T00:00:00.000Z")
      expect(await keys((r) => r.activatePending(domain.id, staged.id, retireAfter))).toBe(false)
      const publishedAt = new Date("2099-01-01T00:00:00.000Z")
      const activatesAfter = new Date("2099-01-01T01:00:00.000Z")
      await keys((r) => r.markPublished(staged.id, publishedAt, activatesAfter))
      await keys((r) => r.markPublished(staged.id, new Date("2099-02-01T00:00:00.000Z"), retireAfter))
      expect((await keys((r) => r.dueForActivation(publishedAt))).map((d) => d.key.id)).not.toContain(
        staged.id
      )
      const due = await keys((r) => r.dueForActivation(activatesAfter))
      expect(due.filter((d) => d.domainId === domain.id)).toEqual([
        {
          teamId: team,
          domainId: domain.id,
          domainName: "rotate.example.com",
          key: expect.objectContaining({ id: staged.id, publishedAt, activatesAfter })
        }
      ])
      expect(await keys((r) => r.activatePending(domain.id, staged.id, retireAfter))).toBe(true)
      expect(await keys((r) => r.activatePending(domain.id, staged.id, retireAfter))).toBe(false)
      expect(Option.getOrThrow(await keys((r) => r.signingKey(domain.id))).selector).toBe("ps2")
      expect((await keys((r) => r.keys(domain.id))).map((k) => [k.selector, k.state, k.retireAfter])).toEqual(
        [
          ["ps1", "retiring", retireAfter],
          ["ps2", "active", null]
        ]
      )
      expect(
        (await keys((r) => r.retireExpired(publishedAt))).filter((d) => d.domainId === domain.id)
      ).toEqual([])
      expect(
        (await keys((r) => r.retireExpired(retireAfter))).filter((d) => d.domainId === domain.id)
      ).toEqual([{ teamId: team, domainId: domain.id }])
      expect((await keys((r) => r.keys(domain.id))).map((k) => k.id)).not.toContain(old?.id)
      expect([...(await keys((r) => r.selectors(domain.id)))].sort()).toEqual(["ps1", "ps2"])
    })

    it("cancels a staged key, keeping its selector taken", async () => {
      const team = await newTeam(s)
      const domain = await newDomain(s, team, "cancel.example.com")
      expect(await keys((r) => r.cancelPending(domain.id))).toBe(false)
      await keys((r) => r.addPending(domain.id, pending("ps2")))
      expect(await keys((r) => r.cancelPending(domain.id))).toBe(true)
      expect((await keys((r) => r.keys(domain.id))).map((k) => k.selector)).toEqual(["ps1"])
      expect([...(await keys((r) => r.selectors(domain.id)))].sort()).toEqual(["ps1", "ps2"])
      expect(Option.isSome(await keys((r) => r.addPending(domain.id, pending("ps3"))))).toBe(true)
    })
  })
}
