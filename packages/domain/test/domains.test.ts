import { describe, expect, it } from "vitest"
import { rotationState } from "../src/domains/DkimKey.js"
import { DnsRecord } from "../src/domains/DnsRecord.js"
import { alignedRelaxed, normalizeDomainName } from "../src/domains/DomainName.js"
import { expectedRecords, type MailHosts } from "../src/domains/DomainRecords.js"
import { checkRecords, type DnsAnswer, nextDomainStatus, recordServed } from "../src/domains/Verification.js"

const hosts: MailHosts = {
  mxHost: "mx.ps.test",
  spfMechanisms: ["ip4:192.0.2.1"],
  trackingTarget: "t.ps.test"
}
const domain = {
  name: "example.com",
  returnPathLabel: "bounces",
  inboundEnabled: false,
  trackingDomain: null
}
const keys = [{ selector: "poststack", publicKey: "AAAA", state: "active" as const }]
const t0 = new Date("2026-11-27T00:00:00Z")

describe("domain names", () => {
  it("normalises case and the trailing dot", () => {
    expect(normalizeDomainName(" Mail.Example.COM. ")).toEqual({ name: "mail.example.com" })
    expect(normalizeDomainName("xn--bcher-kva.example")).toEqual({ name: "xn--bcher-kva.example" })
  })
  it("names what is wrong", () => {
    expect(normalizeDomainName("localhost")).toEqual({ problem: "single_label" })
    expect(normalizeDomainName("bücher.example")).toEqual({ problem: "not_ascii" })
    expect(normalizeDomainName("a_b.example")).toEqual({ problem: "bad_label" })
    expect(normalizeDomainName("192.168.0.1")).toEqual({ problem: "numeric_tld" })
    expect(normalizeDomainName(`${"a".repeat(64)}.com`)).toEqual({ problem: "bad_label" })
  })
  it("aligns by organisational domain", () => {
    const org = (n: string) => n.split(".").slice(-2).join(".")
    expect(alignedRelaxed("bounces.example.com", "example.com", org)).toBe(true)
    expect(alignedRelaxed("example.net", "example.com", org)).toBe(false)
  })
})

describe("expected records", () => {
  it("lists SPF and the MX on the bounce host, DKIM, DMARC, and only what is switched on", () => {
    const records = expectedRecords(domain, keys, hosts, [], t0)
    expect(records.map((r) => `${r.purpose} ${r.type} ${r.name}`)).toEqual([
      "spf TXT bounces.example.com",
      "return_path MX bounces.example.com",
      "dkim TXT poststack._domainkey.example.com",
      "dmarc TXT _dmarc.example.com"
    ])
    expect(records[0]?.value).toBe("v=spf1 ip4:192.0.2.1 ~all")
    expect(records.filter((r) => r.required).map((r) => r.purpose)).toEqual([
      "spf",
      "return_path",
      "dkim",
      "dmarc"
    ])
    const all = expectedRecords(
      { ...domain, inboundEnabled: true, trackingDomain: "t.example.com" },
      keys,
      hosts,
      [],
      t0
    )
    expect(all.map((r) => r.purpose)).toEqual(["spf", "return_path", "dkim", "dmarc", "mx", "tracking"])
  })
  it("keeps the status of records that did not change, and starts changed ones over", () => {
    const checked = expectedRecords(domain, keys, hosts, [], t0).map((r) =>
      DnsRecord.make({ ...r, status: "verified", checkedAt: new Date(0) })
    )
    const again = expectedRecords(domain, keys, hosts, checked, t0)
    expect(again.every((r) => r.status === "verified")).toBe(true)
    const moved = expectedRecords({ ...domain, returnPathLabel: "mail" }, keys, hosts, checked, t0)
    expect(moved.find((r) => r.purpose === "spf")?.status).toBe("pending")
    expect(moved.find((r) => r.purpose === "dkim")?.status).toBe("verified")
  })
  it("publishes staged and retiring keys as advisory dkim_rotation records, and drops retired ones", () => {
    const staged = [
      ...keys,
      { selector: "psnext", publicKey: "BBBB", state: "pending" as const },
      { selector: "psold", publicKey: "CCCC", state: "retiring" as const },
      { selector: "psgone", publicKey: "DDDD", state: "retired" as const }
    ]
    const rotation = expectedRecords(domain, staged, hosts, [], t0).filter(
      (r) => r.purpose === "dkim_rotation"
    )
    expect(rotation.map((r) => [r.name, r.required])).toEqual([
      ["psnext._domainkey.example.com", false],
      ["psold._domainkey.example.com", false]
    ])
  })
})

describe("matching DNS answers", () => {
  const [spf, mx, dkim, dmarc] = expectedRecords(domain, keys, hosts, [], t0)
  it("accepts our SPF mechanisms inside a longer record, and nothing less", () => {
    if (spf === undefined) throw new Error("no spf")
    expect(recordServed(spf, ["v=spf1 include:x.test ip4:192.0.2.1 -all"])).toBe(true)
    expect(recordServed(spf, ["v=spf1 include:x.test -all"])).toBe(false)
    expect(recordServed(spf, ["ip4:192.0.2.1"])).toBe(false)
  })
  it("matches DKIM by key whatever the spacing, MX hosts case-insensitively, any DMARC policy", () => {
    if (dkim === undefined || mx === undefined || dmarc === undefined) throw new Error("records")
    expect(recordServed(dkim, ["v=DKIM1; k=rsa; p=AA AA"])).toBe(true)
    expect(recordServed(dkim, ["v=DKIM1; k=rsa; p=AAAB"])).toBe(false)
    expect(recordServed(mx, ["MX.PS.TEST."])).toBe(true)
    expect(recordServed(dmarc, ["v=DMARC1; p=reject"])).toBe(true)
    expect(recordServed(dmarc, ["v=spf1 -all"])).toBe(false)
  })
})

describe("verification transitions", () => {
  const now = new Date("2026-11-27T12:00:00Z")
  const fourDaysLater = new Date("2026-12-01T12:00:00Z")
  const records = expectedRecords(domain, keys, hosts, [], t0)
  const served: Record<string, ReadonlyArray<string>> = {
    spf: ["v=spf1 ip4:192.0.2.1 ~all"],
    return_path: ["mx.ps.test"],
    dkim: ["v=DKIM1; k=rsa; p=AAAA"],
    dmarc: ["v=DMARC1; p=none"]
  }
  const answer =
    (present: ReadonlyArray<string>, unavailable: ReadonlyArray<string> = []) =>
    (r: DnsRecord): DnsAnswer =>
      unavailable.includes(r.purpose)
        ? { _tag: "Unavailable", reason: "SERVFAIL" }
        : { _tag: "Answered", values: present.includes(r.purpose) ? (served[r.purpose] ?? []) : [] }
  const all = ["spf", "return_path", "dkim", "dmarc"]

  it("verifies when every gating record is served, once", () => {
    const check = checkRecords(records, answer(all), now)
    expect(nextDomainStatus({ status: "pending", verifiedAt: null }, check, now)).toEqual({
      status: "verified",
      verifiedAt: now,
      event: "domain.verified"
    })
    const earlier = new Date(0)
    expect(nextDomainStatus({ status: "verified", verifiedAt: earlier }, check, now)).toEqual({
      status: "verified",
      verifiedAt: earlier,
      event: null
    })
  })
  it("stays pending within each record's grace period, and fails after it", () => {
    const partial = checkRecords(records, answer(["spf", "dkim"]), now)
    expect(partial.records.find((r) => r.purpose === "dmarc")?.status).toBe("pending")
    expect(nextDomainStatus({ status: "pending", verifiedAt: null }, partial, now).status).toBe("pending")
    const late = checkRecords(records, answer(["spf", "dkim"]), fourDaysLater)
    expect(late.records.find((r) => r.purpose === "dmarc")?.status).toBe("failed")
    expect(nextDomainStatus({ status: "pending", verifiedAt: null }, late, fourDaysLater)).toMatchObject({
      status: "failed",
      event: "domain.verification_failed"
    })
  })
  it("fails at once when a served record vanishes", () => {
    const verified = records.map((r) => DnsRecord.make({ ...r, status: "verified" }))
    const vanished = checkRecords(verified, answer(["spf", "return_path", "dmarc"]), now)
    expect(vanished.records.find((r) => r.purpose === "dkim")?.status).toBe("failed")
    expect(nextDomainStatus({ status: "verified", verifiedAt: new Date(0) }, vanished, now)).toMatchObject({
      status: "failed",
      event: "domain.verification_failed"
    })
  })
  it("keeps a verified domain verified while a newly added record is within its grace period", () => {
    const verified = records.map((r) => DnsRecord.make({ ...r, status: "verified" }))
    const moved = expectedRecords(
      { ...domain, returnPathLabel: "mail" },
      keys,
      hosts,
      verified,
      fourDaysLater
    )
    const check = checkRecords(moved, answer(["dkim", "dmarc"]), fourDaysLater)
    expect(check.records.find((r) => r.purpose === "spf")?.status).toBe("pending")
    expect(nextDomainStatus({ status: "verified", verifiedAt: t0 }, check, fourDaysLater).status).toBe(
      "verified"
    )
  })
  it("changes nothing when DNS cannot be asked about a gating record", () => {
    const check = checkRecords(records, answer(["spf"], ["dkim"]), now)
    expect(check.inconclusive).toBe(true)
    expect(nextDomainStatus({ status: "verified", verifiedAt: new Date(0) }, check, now).event).toBeNull()
  })
})

describe("DKIM rotation state", () => {
  it("derives the rotation state from the keys", () => {
    expect(rotationState([{ state: "active", publishedAt: null }])).toBe("idle")
    expect(
      rotationState([
        { state: "active", publishedAt: null },
        { state: "pending", publishedAt: null }
      ])
    ).toBe("pending_dns")
    expect(rotationState([{ state: "pending", publishedAt: new Date() }])).toBe("ready")
    expect(
      rotationState([
        { state: "active", publishedAt: null },
        { state: "retiring", publishedAt: null }
      ])
    ).toBe("retiring")
  })
})
