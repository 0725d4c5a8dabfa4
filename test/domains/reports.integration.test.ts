import { PgDatabase, PgPersistence } from "@poststack/adapters-persistence"
import { DmarcReportRepository, IpAddressRepository } from "@poststack/application"
import type { DomainId, TeamId } from "@poststack/domain"
import { Effect, Layer, ManagedRuntime, Redacted } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { createTestDatabase, insertTeamWithKey, query } from "../support/database.js"
import { startTestServer, type TestServer } from "../support/server.js"

describe("DMARC report routes and dedicated IPs", () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>
  let server: TestServer
  let key: string
  let store: ManagedRuntime.ManagedRuntime<DmarcReportRepository | IpAddressRepository, unknown>
  let domain: { id: number; publicId: string }
  let teamId: TeamId

  const get = async (path: string, as = key) => {
    const res = await fetch(`${server.baseUrl}${path}`, { headers: { Authorization: `Bearer ${as}` } })
    return { status: res.status, body: (await res.json()) as unknown }
  }
  const day = (d: number) => new Date(Date.now() - d * 24 * 3600 * 1000)

  beforeAll(async () => {
    db = await createTestDatabase()
    server = await startTestServer({ databaseUrl: db.url })
    key = (await server.bootstrap()) ?? ""
    store = ManagedRuntime.make(
      PgPersistence.pipe(Layer.provideMerge(PgDatabase.layer(Redacted.make(db.url))))
    )
    const res = await fetch(`${server.baseUrl}/domains`, {
      method: "POST",
      headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
      body: JSON.stringify({ name: "reports.test" })
    })
    domain = ((await res.json()) as { domain: { id: number; publicId: string } }).domain
    teamId = ((await query<{ id: number }>(db.url, "SELECT id FROM teams LIMIT 1"))[0]?.id ?? 0) as TeamId
    const insert = (
      reportId: string,
      org: string,
      ageDays: number,
      rows: Array<[string, number, boolean, boolean]>
    ) =>
      store.runPromise(
        Effect.flatMap(DmarcReportRepository, (r) =>
          r.insert({
            teamId,
            domainId: domain.id as DomainId,
            reportId,
            orgName: org,
            email: `noreply@${org}`,
            dateRangeStart: day(ageDays + 1),
            dateRangeEnd: day(ageDays),
            policyDomain: "reports.test",
            policyPublished: { p: "none" },
            status: "processed",
            rows: rows.map(([sourceIp, count, dkimAligned, spfAligned]) => ({
              sourceIp,
              count,
              disposition: "none",
              dkimAligned,
              spfAligned,
              headerFrom: "reports.test"
            }))
          })
        )
      )
    expect(
      await insert("r1", "google.com", 2, [
        ["192.0.2.1", 10, true, true],
        ["198.51.100.9", 3, false, false]
      ])
    ).toBe(true)
    expect(await insert("r2", "yahoo.com", 1, [["192.0.2.1", 5, false, true]])).toBe(true)
    expect(await insert("r3", "old.example", 60, [["203.0.113.5", 100, false, false]])).toBe(true)
    // The same report delivered twice is stored once.
    expect(await insert("r1", "google.com", 2, [["192.0.2.1", 10, true, true]])).toBe(false)
  })
  afterAll(async () => {
    await store.dispose()
    await server.close()
    await db.drop()
  })

  it("pages reports newest first in both SDK shapes, with counts", async () => {
    const res = await get(`/domains/${domain.id}/dmarc/reports?page=1&perPage=2`)
    expect(res.status).toBe(200)
    const body = res.body as {
      reports: Array<Record<string, unknown>>
      pagination: unknown
      data: unknown
      meta: unknown
    }
    expect(body.pagination).toEqual({ page: 1, perPage: 2, total: 3, totalPages: 2 })
    expect(body.meta).toEqual(body.pagination)
    expect(body.data).toEqual(body.reports)
    expect(body.reports.map((r) => r.reportId)).toEqual(["r2", "r1"])
    expect(body.reports[1]).toMatchObject({
      orgName: "google.com",
      totalCount: 13,
      passCount: 10,
      failCount: 3,
      domain: "reports.test"
    })
    const older = await get(`/domains/${domain.publicId}/dmarc/reports?page=2&per_page=2`)
    expect((older.body as { reports: Array<{ reportId: string }> }).reports.map((r) => r.reportId)).toEqual([
      "r3"
    ])
    expect((await get(`/domains/${domain.id}/dmarc/reports?perPage=500`)).status).toBe(400)
  })

  it("sums the window's messages per day and per source", async () => {
    const stats = (await get(`/domains/${domain.id}/dmarc/stats?days=30`)).body as Record<string, unknown>
    expect(stats.totals).toEqual({ totalMessages: 18, passed: 15, spfPassed: 15, dkimPassed: 10 })
    expect(stats).toMatchObject({ totalMessages: 18, failedMessages: 3, passRate: 83.3 })
    expect((stats.daily as unknown[]).length).toBe(2)
    const all = (await get(`/domains/${domain.id}/dmarc/stats?days=90`)).body as {
      totals: { totalMessages: number }
    }
    expect(all.totals.totalMessages).toBe(118)
    const sources = (await get(`/domains/${domain.id}/dmarc/sources`)).body as {
      sources: Array<Record<string, unknown>>
    }
    expect(sources.sources).toEqual([
      {
        sourceIp: "192.0.2.1",
        orgName: "google.com",
        total: 15,
        passed: 15,
        failed: 0,
        count: 15,
        passCount: 15,
        failCount: 0
      },
      {
        sourceIp: "198.51.100.9",
        orgName: "google.com",
        total: 3,
        passed: 0,
        failed: 3,
        count: 3,
        passCount: 0,
        failCount: 3
      }
    ])
  })

  it("pins a domain to a configured dedicated IP, and refuses unknown ones", async () => {
    const [ipId] = await store.runPromise(
      Effect.flatMap(IpAddressRepository, (r) => r.ensure([{ address: "192.0.2.50", teamId: null }]))
    )
    const post = (body: unknown) =>
      fetch(`${server.baseUrl}/domains/${domain.id}/ip`, {
        method: "POST",
        headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
        body: JSON.stringify(body)
      })
    expect((await post({ ipAddressId: 999 })).status).toBe(404)
    // An address dedicated to another team is not this team's to use.
    const [other] = await query<{ id: number }>(
      db.url,
      "INSERT INTO teams (name) VALUES ('owner') RETURNING id"
    )
    const [theirs] = await store.runPromise(
      Effect.flatMap(IpAddressRepository, (r) =>
        r.ensure([{ address: "192.0.2.60", teamId: (other?.id ?? 0) as TeamId }])
      )
    )
    expect((await post({ ipAddressId: theirs })).status).toBe(404)
    expect((await post({ ipAddressId: "x" })).status).toBe(400)
    const ok = await post({ ipAddressId: ipId })
    expect(await ok.json()).toEqual({ success: true })
    expect(
      (
        await query<{ ip_address_id: number }>(db.url, "SELECT ip_address_id FROM domains WHERE id = $1", [
          domain.id
        ])
      )[0]
    ).toEqual({
      ip_address_id: ipId
    })
    const del = await fetch(`${server.baseUrl}/domains/${domain.id}/ip`, {
      method: "DELETE",
      headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" }
    })
    expect(await del.json()).toEqual({ success: true })
    expect(
      (
        await query<{ ip_address_id: number | null }>(
          db.url,
          "SELECT ip_address_id FROM domains WHERE id = $1",
          [domain.id]
        )
      )[0]
    ).toEqual({
      ip_address_id: null
    })
  })

  it("keeps another team's reports out of reach", async () => {
    // Another team with a real domain of its own and a report for it.
    const otherKey = await insertTeamWithKey(db.url, "Other team")
    const created = await fetch(`${server.baseUrl}/domains`, {
      method: "POST",
      headers: { Authorization: `Bearer ${otherKey}`, "Content-Type": "application/json" },
      body: JSON.stringify({ name: "theirs.test" })
    })
    expect(created.status).toBe(201)
    const theirs = ((await created.json()) as { domain: { id: number; publicId: string } }).domain
    const [owner] = await query<{ team_id: number }>(db.url, "SELECT team_id FROM domains WHERE id = $1", [
      theirs.id
    ])
    expect(owner?.team_id).not.toBe(teamId)
    expect(
      await store.runPromise(
        Effect.flatMap(DmarcReportRepository, (r) =>
          r.insert({
            teamId: (owner?.team_id ?? 0) as TeamId,
            domainId: theirs.id as DomainId,
            reportId: "theirs-1",
            orgName: "google.com",
            email: "noreply@google.com",
            dateRangeStart: day(2),
            dateRangeEnd: day(1),
            policyDomain: "theirs.test",
            policyPublished: { p: "reject" },
            status: "processed",
            rows: [
              {
                sourceIp: "203.0.113.77",
                count: 7,
                disposition: "reject",
                dkimAligned: false,
                spfAligned: false,
                headerFrom: "theirs.test"
              }
            ]
          })
        )
      )
    ).toBe(true)
    // Its owner reads it: the id is real and has data behind it.
    const own = (await get(`/domains/${theirs.id}/dmarc/reports`, otherKey)) as {
      status: number
      body: { reports: Array<{ reportId: string }> }
    }
    expect(own.status).toBe(200)
    expect(own.body.reports.map((r) => r.reportId)).toEqual(["theirs-1"])
    // This team reaches none of it, by id or public id, and its own pages do not include it.
    for (const ref of [theirs.id, theirs.publicId]) {
      for (const route of ["reports", "stats", "sources"]) {
        const res = await get(`/domains/${ref}/dmarc/${route}`)
        expect({ ref, route, status: res.status }).toEqual({ ref, route, status: 404 })
        expect(JSON.stringify(res.body)).not.toContain("203.0.113.77")
      }
    }
    const mine = (await get(`/domains/${domain.id}/dmarc/reports?perPage=100`)).body as {
      reports: Array<{ reportId: string }>
    }
    expect(mine.reports.map((r) => r.reportId)).not.toContain("theirs-1")
    const sources = JSON.stringify((await get(`/domains/${domain.id}/dmarc/sources`)).body)
    expect(sources).not.toContain("203.0.113.77")
  })
})
