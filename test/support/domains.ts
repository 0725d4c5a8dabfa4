import { expect } from "vitest"
import type { TestDnsServer } from "./dnsServer.js"

/**
 * Adds a sending domain through the API, publishes exactly the records it asks for on the test
 * DNS server, and verifies it. Returns its ids.
 */
export const addVerifiedDomain = async (
  baseUrl: string,
  key: string,
  dns: TestDnsServer,
  name: string
): Promise<{ id: number; publicId: string }> => {
  const headers = { Authorization: `Bearer ${key}`, "Content-Type": "application/json" }
  const res = await fetch(`${baseUrl}/domains`, { method: "POST", headers, body: JSON.stringify({ name }) })
  type Wire = { type: string; name: string; value: string }
  const { domain } = (await res.json()) as {
    domain: { id: number; publicId: string; dnsRecords: Array<Wire>; trackingDnsRecord: Wire | null }
  }
  // The tracking CNAME is reported in a field of its own.
  for (const r of [
    ...domain.dnsRecords,
    ...(domain.trackingDnsRecord === null ? [] : [domain.trackingDnsRecord])
  ])
    dns.publish(r.name, r.type as "TXT" | "MX" | "CNAME", r.value)
  const verified = await fetch(`${baseUrl}/domains/${domain.id}/verify`, { method: "POST", headers })
  expect(((await verified.json()) as { domain: { status: string } }).domain.status).toBe("verified")
  return { id: domain.id, publicId: domain.publicId }
}

/** A verified domain that also receives mail: its inbound switch is turned on through the API. */
export const addInboundDomain = async (baseUrl: string, key: string, dns: TestDnsServer, name: string) => {
  const domain = await addVerifiedDomain(baseUrl, key, dns, name)
  const patched = await fetch(`${baseUrl}/domains/${domain.id}`, {
    method: "PATCH",
    headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
    body: JSON.stringify({ inbound_enabled: true })
  })
  expect(patched.status).toBe(200)
  return domain
}
