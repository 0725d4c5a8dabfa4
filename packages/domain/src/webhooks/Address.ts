/**
 * Why a webhook target may not be reached. Only `public` addresses are always allowed; `loopback`
 * is allowed when the deployment says so (local development, tests).
 */
export type AddressClass =
  | "public"
  | "loopback"
  | "private"
  | "link_local"
  | "cgnat"
  | "metadata"
  | "unspecified"
  | "multicast"
  | "ipv4_mapped"
  | "reserved"

const v4Octets = (ip: string): ReadonlyArray<number> | undefined => {
  const parts = ip.split(".")
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p))) return undefined
  const octets = parts.map(Number)
  return octets.every((o) => o <= 255) ? octets : undefined
}

const inV4 = (o: ReadonlyArray<number>, base: ReadonlyArray<number>, bits: number): boolean => {
  const value = (((o[0] ?? 0) << 24) | ((o[1] ?? 0) << 16) | ((o[2] ?? 0) << 8) | (o[3] ?? 0)) >>> 0
  const net = (((base[0] ?? 0) << 24) | ((base[1] ?? 0) << 16) | ((base[2] ?? 0) << 8) | (base[3] ?? 0)) >>> 0
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0
  return (value & mask) === (net & mask)
}

const classifyV4 = (o: ReadonlyArray<number>): AddressClass => {
  if (o[0] === 169 && o[1] === 254 && o[2] === 169 && o[3] === 254) return "metadata"
  if (inV4(o, [0, 0, 0, 0], 8)) return "unspecified"
  if (inV4(o, [127, 0, 0, 0], 8)) return "loopback"
  if (inV4(o, [10, 0, 0, 0], 8) || inV4(o, [172, 16, 0, 0], 12) || inV4(o, [192, 168, 0, 0], 16)) {
    return "private"
  }
  if (inV4(o, [169, 254, 0, 0], 16)) return "link_local"
  if (inV4(o, [100, 64, 0, 0], 10)) return "cgnat"
  if (inV4(o, [224, 0, 0, 0], 4)) return "multicast"
  // IETF protocol assignments, documentation, benchmarking, reserved and broadcast.
  if (
    inV4(o, [192, 0, 0, 0], 24) ||
    inV4(o, [192, 0, 2, 0], 24) ||
    inV4(o, [198, 18, 0, 0], 15) ||
    inV4(o, [198, 51, 100, 0], 24) ||
    inV4(o, [203, 0, 113, 0], 24) ||
    inV4(o, [240, 0, 0, 0], 4)
  ) {
    return "reserved"
  }
  return "public"
}

/** The eight 16-bit groups of an IPv6 address (embedded dotted IPv4 allowed), or undefined. */
const v6Groups = (ip: string): ReadonlyArray<number> | undefined => {
  let text = ip.toLowerCase().replace(/%.*$/, "")
  const lastColon = text.lastIndexOf(":")
  const tail = text.slice(lastColon + 1)
  if (tail.includes(".")) {
    const o = v4Octets(tail)
    if (o === undefined) return undefined
    text = `${text.slice(0, lastColon + 1)}${(((o[0] ?? 0) << 8) | (o[1] ?? 0)).toString(16)}:${(((o[2] ?? 0) << 8) | (o[3] ?? 0)).toString(16)}`
  }
  const halves = text.split("::")
  if (halves.length > 2) return undefined
  const parse = (s: string) => (s === "" ? [] : s.split(":"))
  const head = parse(halves[0] ?? "")
  const rest = halves.length === 2 ? parse(halves[1] ?? "") : []
  const missing = 8 - head.length - rest.length
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined
  const all = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill("0"), ...rest]
  if (all.some((g) => !/^[0-9a-f]{1,4}$/.test(g))) return undefined
  return all.map((g) => Number.parseInt(g, 16))
}

const classifyV6 = (g: ReadonlyArray<number>): AddressClass => {
  const at = (i: number) => g[i] ?? 0
  const zeroUpTo = (n: number) => g.slice(0, n).every((x) => x === 0)
  if (zeroUpTo(8)) return "unspecified"
  if (zeroUpTo(7) && at(7) === 1) return "loopback"
  if (zeroUpTo(5) && at(5) === 0xffff) return "ipv4_mapped"
  // The AWS metadata service's IPv6 address sits inside fc00::/7; named for clearer refusals.
  if (at(0) === 0xfd00 && at(1) === 0x0ec2 && g.slice(2, 7).every((x) => x === 0) && at(7) === 0x254) {
    return "metadata"
  }
  if ((at(0) & 0xfe00) === 0xfc00) return "private"
  if ((at(0) & 0xffc0) === 0xfe80) return "link_local"
  if ((at(0) & 0xff00) === 0xff00) return "multicast"
  // NAT64 and IPv4-compatible forms carry an IPv4 address: judge that one.
  if ((at(0) === 0x64 && at(1) === 0xff9b && g.slice(2, 6).every((x) => x === 0)) || zeroUpTo(6)) {
    return classifyV4([at(6) >> 8, at(6) & 0xff, at(7) >> 8, at(7) & 0xff])
  }
  // 6to4 (2002::/16) carries an IPv4 address too, in its second and third groups.
  if (at(0) === 0x2002) {
    const inner = classifyV4([at(1) >> 8, at(1) & 0xff, at(2) >> 8, at(2) & 0xff])
    return inner === "public" ? "public" : inner
  }
  // Documentation, and Teredo (its IPv4 address is obfuscated, so it cannot be judged).
  if (at(0) === 0x2001 && (at(1) === 0x0db8 || at(1) === 0)) return "reserved"
  return "public"
}

/** The class of an IP address in text form, or undefined when the text is not an IP address. */
export const classifyIp = (ip: string): AddressClass | undefined => {
  const v4 = v4Octets(ip)
  if (v4 !== undefined) return classifyV4(v4)
  const v6 = ip.includes(":") ? v6Groups(ip) : undefined
  return v6 === undefined ? undefined : classifyV6(v6)
}

/** Whether a webhook may connect to an address of this class. */
export const addressAllowed = (cls: AddressClass, allowLoopback: boolean): boolean =>
  cls === "public" || (cls === "loopback" && allowLoopback)

/** Where a webhook URL points, once parsed the way an HTTP client will parse it. */
export type WebhookTarget =
  | { readonly _tag: "Address"; readonly address: string; readonly class: AddressClass }
  | { readonly _tag: "LoopbackName"; readonly host: string }
  | { readonly _tag: "Hostname"; readonly host: string }

/** Names systems resolve to loopback themselves, whatever DNS says: `localhost` and its usual aliases. */
const LOOPBACK_NAMES = new Set([
  "localhost",
  "localhost.localdomain",
  "localhost4",
  "localhost4.localdomain4",
  "localhost6",
  "localhost6.localdomain6",
  "ip6-localhost",
  "ip6-loopback"
])

/** Whether a (lower-case, dot-less) host name means this machine: a loopback alias or under `.localhost`. */
export const isLoopbackName = (name: string): boolean =>
  LOOPBACK_NAMES.has(name) || name.endsWith(".localhost")

/**
 * Parses a webhook URL: http(s) only, no credentials. The WHATWG parser (what Node's HTTP client
 * sees) turns `0x7f000001`, `2130706433` or `0177.0.0.1` into `127.0.0.1`, so literal addresses
 * are judged in their canonical form.
 */
export const parseWebhookUrl = (raw: string): { readonly error: string } | WebhookTarget => {
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    return { error: "url must be an absolute http(s) URL" }
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return { error: "url must use http or https" }
  if (url.username !== "" || url.password !== "") return { error: "url must not carry credentials" }
  const host = url.hostname.toLowerCase()
  if (host === "") return { error: "url must name a host" }
  const literal = host.startsWith("[") ? host.slice(1, -1) : host
  const cls = classifyIp(literal)
  if (cls !== undefined) return { _tag: "Address", address: literal, class: cls }
  // A fully qualified name (`localhost.`) is the same name.
  const name = host.replace(/\.$/, "")
  if (isLoopbackName(name)) return { _tag: "LoopbackName", host: name }
  return { _tag: "Hostname", host: name }
}
