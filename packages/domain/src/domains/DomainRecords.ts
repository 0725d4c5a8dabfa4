import { type DkimKey, dkimRecordName, dkimRecordValue } from "./DkimKey.js"
import { type Domain, returnPathHost } from "./Domain.js"
import { DnsRecord, GATING_PURPOSES, recordKey } from "./DnsRecord.js"

/** Where this deployment receives and serves mail; every domain's records point here. */
export interface MailHosts {
  /** The MX host for bounces, DMARC reports and inbound mail. */
  readonly mxHost: string
  /** SPF mechanisms that authorise our outbound IPs, e.g. `ip4:203.0.113.7` or `include:spf.example.net`. */
  readonly spfMechanisms: ReadonlyArray<string>
  /** The host tracking CNAMEs point to. */
  readonly trackingTarget: string
}

type RecordInput = Pick<DnsRecord, "type" | "purpose" | "name" | "value" | "priority">

export const spfValue = (hosts: MailHosts): string => ["v=spf1", ...hosts.spfMechanisms, "~all"].join(" ")

/**
 * Every record a domain must (or may) publish, from its settings, its DKIM keys and the
 * deployment's hosts. Statuses come from `previous` for records that did not change.
 */
export const expectedRecords = (
  domain: Pick<Domain, "name" | "returnPathLabel" | "inboundEnabled" | "trackingDomain">,
  keys: ReadonlyArray<Pick<DkimKey, "selector" | "publicKey" | "state">>,
  hosts: MailHosts,
  previous: ReadonlyArray<DnsRecord>,
  now: Date
): ReadonlyArray<DnsRecord> => {
  const bounce = returnPathHost(domain)
  const inputs: Array<RecordInput> = [
    { type: "TXT", purpose: "spf", name: bounce, value: spfValue(hosts), priority: null },
    { type: "MX", purpose: "return_path", name: bounce, value: hosts.mxHost, priority: 10 }
  ]
  // The active key gates; a staged key must be published before it signs; a retiring key must stay
  // published until mail it signed has been verified.
  for (const key of keys) {
    if (key.state !== "retired") {
      inputs.push({
        type: "TXT",
        purpose: key.state === "active" ? "dkim" : "dkim_rotation",
        name: dkimRecordName(key.selector, domain.name),
        value: dkimRecordValue(key.publicKey),
        priority: null
      })
    }
  }
  inputs.push({
    type: "TXT",
    purpose: "dmarc",
    name: `_dmarc.${domain.name}`,
    value: `v=DMARC1; p=none; rua=mailto:dmarc@${bounce}`,
    priority: null
  })
  if (domain.inboundEnabled) {
    inputs.push({ type: "MX", purpose: "mx", name: domain.name, value: hosts.mxHost, priority: 10 })
  }
  if (domain.trackingDomain !== null) {
    inputs.push({
      type: "CNAME",
      purpose: "tracking",
      name: domain.trackingDomain,
      value: hosts.trackingTarget,
      priority: null
    })
  }
  const before = new Map(previous.map((r) => [`${recordKey(r)}|${r.value}`, r]))
  return inputs.map((input) => {
    const kept = before.get(`${recordKey(input)}|${input.value}`)
    return DnsRecord.make({
      ...input,
      required: GATING_PURPOSES.includes(input.purpose),
      status: kept?.status ?? "pending",
      checkedAt: kept?.checkedAt ?? null,
      addedAt: kept?.addedAt ?? now
    })
  })
}
