import { PgDatabase } from "@poststack/adapters-persistence"
import {
  AdvanceDkimRotations,
  asOperator,
  CreateDomain,
  GetDkimRotation,
  StartDkimRotation,
  TeamRepository
} from "@poststack/application"
import type { DomainRef } from "@poststack/domain"
import { periodicTasks, WorkerLive } from "@poststack/runtime"
import { Effect, Layer, ManagedRuntime, Redacted } from "effect"
import { describe, expect, it } from "vitest"
import { createTestDatabase, query } from "../support/database.js"
import { startDnsServer } from "../support/dnsServer.js"
import { testServices } from "../support/server.js"

const waitFor = async (check: () => Promise<boolean>, timeoutMs: number) => {
  const started = Date.now()
  while (!(await check())) {
    if (Date.now() - started > timeoutMs) throw new Error("timed out")
    await new Promise((r) => setTimeout(r, 100))
  }
}

describe("the worker's domain tasks", () => {
  it("verify due domains on their own, notice a staged key's record, and complete due rotations", async () => {
    const db = await createTestDatabase()
    const dns = await startDnsServer()
    const services = testServices({ dnsServers: [dns.address] }).pipe(
      Layer.provideMerge(PgDatabase.layer(Redacted.make(db.url), { maxConnections: 4 }))
    )
    const api = ManagedRuntime.make(services)
    try {
      const team = await api.runPromise(Effect.flatMap(TeamRepository, (t) => t.create("w")))
      const domain = await api.runPromise(
        CreateDomain(asOperator(team.id), {
          name: "worker.test",
          customReturnPath: undefined,
          openTracking: false,
          clickTracking: false,
          tlsMode: "opportunistic",
          trackingDomain: null,
          inboundEnabled: false
        })
      )
      for (const r of domain.dnsRecords) dns.publish(r.name, r.type as "TXT" | "MX", r.value)
      const ref: DomainRef = { _tag: "Numeric", id: domain.id }
      const rotation = await api.runPromise(StartDkimRotation(asOperator(team.id), ref))
      dns.publish(String(rotation.pendingRecordName), "TXT", String(rotation.pendingRecordValue))

      const worker = ManagedRuntime.make(WorkerLive.layer(periodicTasks).pipe(Layer.provide(services)))
      await worker.runPromise(Effect.void)
      try {
        await waitFor(async () => {
          const rows = await query<{ status: string }>(db.url, "SELECT status FROM domains WHERE id = $1", [
            domain.id
          ])
          return rows[0]?.status === "verified"
        }, 15_000)
      } finally {
        await worker.dispose()
      }
      const seen = await api.runPromise(GetDkimRotation(asOperator(team.id), ref))
      expect(seen.state).toBe("ready")
      expect(seen.publishedAt).not.toBeNull()

      // The propagation window has passed (as if an hour went by): the next round activates the key.
      await query(
        db.url,
        "UPDATE dkim_keys SET activates_after = now() - interval '1 second' WHERE state = 'pending'"
      )
      expect(await api.runPromise(AdvanceDkimRotations())).toBe(1)
      expect(await api.runPromise(GetDkimRotation(asOperator(team.id), ref))).toMatchObject({
        state: "retiring",
        activeSelector: rotation.pendingSelector,
        retiredSelector: rotation.activeSelector
      })
      // And a week later the old key is retired for good.
      await query(
        db.url,
        "UPDATE dkim_keys SET retire_after = now() - interval '1 second' WHERE state = 'retiring'"
      )
      await api.runPromise(AdvanceDkimRotations())
      expect((await api.runPromise(GetDkimRotation(asOperator(team.id), ref))).state).toBe("idle")
    } finally {
      await api.dispose()
      await dns.close()
      await db.drop()
    }
  }, 40_000)
})
