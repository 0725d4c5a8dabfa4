import type { DnsRecord } from "./DnsRecord.js"

/** `localhost`, a name under it, or a loopback address: no receiver on the internet reaches it. */
export const isLocalHost = (host: string): boolean => {
  const h = host.toLowerCase().replace(/\.$/, "")
  return h === "localhost" || h.endsWith(".localhost") || /^127\./.test(h) || h === "::1" || h === "[::1]"
}

/** The hosts a record points at: an MX or CNAME target, the `a:`/`mx:`/`include:` hosts of an SPF record. */
const targets = (record: Pick<DnsRecord, "type" | "value">): ReadonlyArray<string> =>
  record.type === "MX" || record.type === "CNAME"
    ? [record.value]
    : record.type === "TXT" && record.value.startsWith("v=spf1")
      ? record.value
          .split(/\s+/)
          .map((m) => /^[+~?-]?(?:a|mx|include|ip4|ip6):(.+)$/.exec(m)?.[1] ?? "")
          .filter((h) => h !== "")
      : []

/**
 * One warning per record that would point at this machine's loopback (what happens while
 * `POSTSTACK_PUBLIC_URL` and `POSTSTACK_MX_HOST` are unset): published as is, bounces and reports
 * could not come back and SPF would fail. Empty when every record points somewhere reachable.
 */
export const localRecordWarnings = (
  records: ReadonlyArray<Pick<DnsRecord, "type" | "name" | "value" | "purpose">>
): ReadonlyArray<string> =>
  records.flatMap((record) => {
    const local = targets(record).find(isLocalHost)
    if (local === undefined) return []
    const fix =
      record.type === "CNAME"
        ? "set POSTSTACK_TRACKING_HOST or POSTSTACK_PUBLIC_URL"
        : "set POSTSTACK_MX_HOST (and POSTSTACK_SPF) or POSTSTACK_PUBLIC_URL"
    return [
      `${record.type} ${record.name} points at ${local}, which no receiver can reach: ${fix} to this server's public name, restart, and publish the record then`
    ]
  })
