import { NodeDnsResolver, TldtsPublicSuffixList } from "@poststack/adapters-external"
import { DnsResolver } from "@poststack/application"
import { alignedRelaxed } from "@poststack/domain"
import { Effect } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { startDnsServer, type TestDnsServer } from "../support/dnsServer.js"

describe("NodeDnsResolver against a real DNS server", () => {
  let dns: TestDnsServer
  const lookup = (name: string, type: "TXT" | "MX" | "CNAME", servers = [dns.address]) =>
    Effect.runPromise(
      Effect.flatMap(DnsResolver, (r) => r.lookup(name, type)).pipe(
        Effect.provide(NodeDnsResolver.layer({ servers, timeoutMs: 500 }))
      )
    )
  beforeAll(async () => {
    dns = await startDnsServer()
    dns.publish("txt.test", "TXT", `v=DKIM1; k=rsa; p=${"A".repeat(400)}`)
    dns.publish("txt.test", "TXT", "second record")
    dns.publish("mx.test", "MX", "mail.mx.test")
    dns.publish("alias.test", "CNAME", "target.test")
  })
  afterAll(() => dns.close())

  it("joins the chunks of long TXT records and returns every record", async () => {
    const answer = await lookup("txt.test", "TXT")
    expect(answer).toEqual({
      _tag: "Answered",
      values: [`v=DKIM1; k=rsa; p=${"A".repeat(400)}`, "second record"]
    })
  })
  it("returns MX exchanges and CNAME targets", async () => {
    expect(await lookup("mx.test", "MX")).toEqual({ _tag: "Answered", values: ["mail.mx.test"] })
    expect(await lookup("alias.test", "CNAME")).toEqual({ _tag: "Answered", values: ["target.test"] })
  })
  it("answers empty for a name that does not exist and for a type the name lacks", async () => {
    expect(await lookup("nothing-here.test", "TXT")).toEqual({ _tag: "Answered", values: [] })
    expect(await lookup("mx.test", "TXT")).toEqual({ _tag: "Answered", values: [] })
  })
  it("reports a failing or unreachable server as Unavailable, never as an empty answer", async () => {
    dns.failing = true
    try {
      expect((await lookup("txt.test", "TXT"))._tag).toBe("Unavailable")
    } finally {
      dns.failing = false
    }
    expect((await lookup("txt.test", "TXT", ["127.0.0.1:1"]))._tag).toBe("Unavailable")
  })
})

describe("the public suffix list", () => {
  const psl = TldtsPublicSuffixList.make
  it("knows public suffixes, private ones included", () => {
    expect(psl.isPublicSuffix("co.uk")).toBe(true)
    expect(psl.isPublicSuffix("github.io")).toBe(true)
    expect(psl.isPublicSuffix("example.co.uk")).toBe(false)
  })
  it("finds organisational domains, so relaxed alignment is judged as receivers judge it", () => {
    expect(psl.organizationalDomain("bounces.mail.example.co.uk")).toBe("example.co.uk")
    expect(alignedRelaxed("bounces.example.co.uk", "example.co.uk", psl.organizationalDomain)).toBe(true)
    expect(alignedRelaxed("evil.co.uk", "example.co.uk", psl.organizationalDomain)).toBe(false)
  })
})
