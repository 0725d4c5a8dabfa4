import { generateKeyPairSync } from "node:crypto"
import { dkimSign } from "mailauth"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { createTestDatabase } from "../support/database.js"
import { startDnsServer, type TestDnsServer } from "../support/dnsServer.js"
import { addInboundDomain } from "../support/domains.js"
import { startTestServer, type TestServer } from "../support/server.js"
import { deliverRaw, inboundMxDoor } from "../support/mx.js"

const message = (subject: string, body: string) =>
  [
    "From: Friend <friend@signed.test>",
    "To: help@inbox.test",
    `Subject: ${subject}`,
    `Message-ID: <${subject.replaceAll(" ", "-")}@signed.test>`,
    "Date: Sat, 05 Dec 2026 08:00:00 +0000",
    "MIME-Version: 1.0",
    "Content-Type: text/plain; charset=utf-8",
    "",
    body,
    ""
  ].join("\r\n")

/**
 * A sender's mail authenticated end to end: signed with a key whose public half the test's DNS
 * serves, sent to our MX by an envelope sender of another domain (so SPF says nothing about the
 * From domain and DMARC rests on the DKIM signature alone).
 */
describe("inbound mail with a real DKIM signature", () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>
  let dns: TestDnsServer
  let server: TestServer
  let key: string
  let mxPort: number
  let privateKey: string

  const inbound = async (subject: string) => {
    const res = await fetch(`${server.baseUrl}/inbound?domain=inbox.test`, {
      headers: { Authorization: `Bearer ${key}` }
    })
    const rows = ((await res.json()) as { data: Array<{ subject: string; authentication: unknown }> }).data
    return rows.filter((r) => r.subject === subject)
  }
  const signed = async (raw: string) => {
    const result = await dkimSign(raw, {
      signatureData: [{ signingDomain: "signed.test", selector: "s2026", privateKey }]
    } as never)
    expect(result.errors ?? []).toEqual([])
    return `${result.signatures}${raw}`
  }

  beforeAll(async () => {
    db = await createTestDatabase()
    dns = await startDnsServer()
    const mx = await inboundMxDoor()
    mxPort = mx.port
    server = await startTestServer({ databaseUrl: db.url, dnsServers: [dns.address], doors: mx.layer })
    key = (await server.bootstrap()) ?? ""
    await addInboundDomain(server.baseUrl, key, dns, "inbox.test")
    const pair = generateKeyPairSync("rsa", { modulusLength: 2048 })
    privateKey = pair.privateKey.export({ type: "pkcs8", format: "pem" }).toString()
    const publicKey = pair.publicKey.export({ type: "spki", format: "der" }).toString("base64")
    dns.publish("s2026._domainkey.signed.test", "TXT", `v=DKIM1; k=rsa; p=${publicKey}`)
    dns.publish("_dmarc.signed.test", "TXT", "v=DMARC1; p=reject")
    dns.publish("relay.test", "TXT", "v=spf1 ip4:127.0.0.1 -all")
  })
  afterAll(async () => {
    await server.close()
    await dns.close()
    await db.drop()
  })

  it("verifies an intact signature as DKIM pass, and DMARC passes on it alone", async () => {
    const raw = await signed(message("Signed and intact", "The figures are attached."))
    expect(raw).toMatch(/^DKIM-Signature: v=1; a=rsa-sha256;.* d=signed\.test;/s)
    const info = await deliverRaw(mxPort, "bounces@relay.test", ["help@inbox.test"], raw)
    expect(info.response).toMatch(/^250 /)
    expect(await inbound("Signed and intact")).toEqual([
      expect.objectContaining({ authentication: { spf: "pass", dkim: "pass", dmarc: "pass" } })
    ])
  })

  // [what changes, the subject it was signed with, the text replaced, its replacement, the subject stored]
  it.each([
    ["its body", "Signed then changed", "our usual account", "account 6666", "Signed then changed"],
    [
      "a signed header",
      "Signed then",
      "Subject: Signed then",
      "Subject: Signed then retitled",
      "Signed then retitled"
    ]
  ])(
    "fails a signature when %s was changed after signing, and DMARC with it",
    async (_what, subject, from, to, stored) => {
      const intact = await signed(message(subject, "Pay invoice 42 to our usual account."))
      const raw = intact.replace(from, to)
      expect(raw).not.toBe(intact)
      const info = await deliverRaw(mxPort, "bounces@relay.test", ["help@inbox.test"], raw)
      expect(info.response).toMatch(/^250 /)
      expect(await inbound(stored)).toEqual([
        expect.objectContaining({ authentication: { spf: "pass", dkim: "fail", dmarc: "fail" } })
      ])
    }
  )
})
