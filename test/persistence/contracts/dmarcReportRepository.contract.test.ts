import { DmarcReportRepository, type NewDmarcReport } from "@poststack/application"
import type { Domain, DmarcRow } from "@poststack/domain"
import { Effect } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { newTeam, type Subject, subjects } from "./subjects.js"
import { newDomain } from "./support.js"

const row = (sourceIp: string, count: number, dkimAligned: boolean, spfAligned: boolean): DmarcRow => ({
  sourceIp,
  count,
  disposition: "none",
  dkimAligned,
  spfAligned,
  headerFrom: "example.com"
})

const report = (domain: Domain, overrides: Partial<NewDmarcReport>): NewDmarcReport => ({
  teamId: domain.teamId,
  domainId: domain.id,
  reportId: "r1",
  orgName: "google.com",
  email: "noreply-dmarc@google.com",
  dateRangeStart: new Date("2026-11-01T00:00:00.000Z"),
  dateRangeEnd: new Date("2026-11-01T23:59:59.000Z"),
  policyDomain: domain.name,
  policyPublished: { p: "none" },
  status: "processed",
  rows: [],
  ...overrides
})

for (const [name, start] of subjects) {
  describe(`DmarcReportRepository contract: ${name}`, () => {
    let s: Subject
    const dmarc = <A, E>(f: (r: DmarcReportRepository["Type"]) => Effect.Effect<A, E>) =>
      s.run(Effect.flatMap(DmarcReportRepository, f))
    let domain: Domain
    let other: Domain
    beforeAll(async () => {
      s = await start()
      const team = await newTeam(s)
      domain = await newDomain(s, team, "dmarc.example.com")
      other = await newDomain(s, team, "other.example.com")
      const reports = [
        report(domain, { rows: [row("192.0.2.1", 10, true, false), row("192.0.2.2", 4, false, false)] }),
        report(domain, {
          reportId: "r2",
          orgName: "yahoo.com",
          dateRangeStart: new Date("2026-11-02T00:00:00.000Z"),
          dateRangeEnd: new Date("2026-11-02T23:59:59.000Z"),
          rows: [row("192.0.2.1", 5, false, true), row("192.0.2.3", 4, true, true)]
        }),
        report(domain, {
          reportId: "empty",
          orgName: "aol.com",
          dateRangeStart: null,
          dateRangeEnd: new Date("2026-10-01T00:00:00.000Z"),
          status: "error"
        }),
        report(other, { rows: [row("198.51.100.1", 99, false, false)] })
      ]
      for (const r of reports) expect(await dmarc((repo) => repo.insert(r))).toBe(true)
    })
    afterAll(() => s.close())

    it("keeps a report already stored as it was", async () => {
      expect(
        await dmarc((r) => r.insert(report(domain, { rows: [row("203.0.113.9", 1000, false, false)] })))
      ).toBe(false)
      const sources = await dmarc((r) => r.sources(domain.id, new Date(0)))
      expect(sources.map((x) => x.sourceIp)).not.toContain("203.0.113.9")
    })

    it("pages the domain's reports newest first, with their counts", async () => {
      const first = await dmarc((r) => r.page(domain.id, 1, 2))
      expect(first.total).toBe(3)
      expect(
        first.reports.map((x) => [x.reportId, x.orgName, x.totalCount, x.passCount, x.failCount])
      ).toEqual([
        ["r2", "yahoo.com", 9, 9, 0],
        ["r1", "google.com", 14, 10, 4]
      ])
      expect(first.reports[1]).toMatchObject({
        domainId: domain.id,
        email: "noreply-dmarc@google.com",
        policyDomain: "dmarc.example.com",
        policyPublished: { p: "none" },
        status: "processed"
      })
      const second = await dmarc((r) => r.page(domain.id, 2, 2))
      expect(second.reports.map((x) => [x.reportId, x.status, x.totalCount, x.dateRangeStart])).toEqual([
        ["empty", "error", 0, null]
      ])
    })

    it("sums messages per day and in total since a date, and per source, largest first", async () => {
      const stats = await dmarc((r) => r.stats(domain.id, new Date(0)))
      expect(stats).toEqual({
        totals: { totalMessages: 23, passed: 19, spfPassed: 9, dkimPassed: 14 },
        daily: [
          { date: "2026-11-01", total: 14, passed: 10, failed: 4 },
          { date: "2026-11-02", total: 9, passed: 9, failed: 0 }
        ]
      })
      const recent = await dmarc((r) => r.stats(domain.id, new Date("2026-11-02T12:00:00.000Z")))
      expect(recent.daily.map((d) => d.date)).toEqual(["2026-11-02"])
      expect(await dmarc((r) => r.sources(domain.id, new Date(0)))).toEqual([
        { sourceIp: "192.0.2.1", orgName: "google.com", total: 15, passed: 15, failed: 0 },
        { sourceIp: "192.0.2.2", orgName: "google.com", total: 4, passed: 0, failed: 4 },
        { sourceIp: "192.0.2.3", orgName: "yahoo.com", total: 4, passed: 4, failed: 0 }
      ])
      expect((await dmarc((r) => r.sources(other.id, new Date(0)))).map((x) => x.total)).toEqual([99])
    })
  })
}
