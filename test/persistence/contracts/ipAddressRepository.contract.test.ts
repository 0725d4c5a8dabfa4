import { DomainRepository, IpAddressRepository } from "@poststack/application"
import { Effect } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { newTeam, type Subject, subjects } from "./subjects.js"
import { newDomain } from "./support.js"

for (const [name, start] of subjects) {
  describe(`IpAddressRepository contract: ${name}`, () => {
    let s: Subject
    const ips = <A, E>(f: (r: IpAddressRepository["Type"]) => Effect.Effect<A, E>) =>
      s.run(Effect.flatMap(IpAddressRepository, f))
    beforeAll(async () => {
      s = await start()
    })
    afterAll(() => s.close())

    it("keeps one id per address across ensures, and pins a domain only to a shared or own address", async () => {
      const [a, b] = [await newTeam(s), await newTeam(s)]
      const [shared, ofA, ofB] = await ips((r) =>
        r.ensure([
          { address: "192.0.2.10", teamId: null },
          { address: "192.0.2.11", teamId: a },
          { address: "192.0.2.12", teamId: b }
        ])
      )
      expect(new Set([shared, ofA, ofB]).size).toBe(3)
      expect(await ips((r) => r.ensure([{ address: "192.0.2.11", teamId: a }]))).toEqual([ofA])
      const domain = await newDomain(s, a, "ip.example.com")
      expect(await ips((r) => r.assign(a, domain.id, shared as number))).toBe(true)
      expect(await ips((r) => r.assign(a, domain.id, ofA as number))).toBe(true)
      expect(await ips((r) => r.assign(a, domain.id, ofB as number))).toBe(false)
      expect(await ips((r) => r.assign(b, domain.id, ofB as number))).toBe(false)
      expect(await ips((r) => r.assign(a, domain.id, 987_654))).toBe(false)
      // An address handed to another team by configuration can no longer be pinned by the first.
      expect(await ips((r) => r.ensure([{ address: "192.0.2.11", teamId: b }]))).toEqual([ofA])
      expect(await ips((r) => r.assign(a, domain.id, ofA as number))).toBe(false)
      await ips((r) => r.unassign(a, domain.id))
      await s.run(Effect.flatMap(DomainRepository, (r) => r.delete(a, domain.id)))
      expect(await ips((r) => r.assign(a, domain.id, shared as number))).toBe(false)
    })
  })
}
