export const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/

/** Eight 16-bit groups of an IPv6 address (with `::` and an embedded IPv4 tail), or `undefined`. */
export const ipv6Groups = (text: string): Array<number> | undefined => {
  let address = text.split("%")[0] ?? ""
  const tail = /:(\d+\.\d+\.\d+\.\d+)$/.exec(address)
  if (tail !== null) {
    const v4 = tail[1] ?? ""
    if (!IPV4.test(v4)) return undefined
    const [a = 0, b = 0, c = 0, d = 0] = v4.split(".").map(Number)
    address = `${address.slice(0, -v4.length)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`
  }
  const halves = address.split("::")
  if (halves.length > 2) return undefined
  const parse = (part: string) => (part === "" ? [] : part.split(":"))
  const head = parse(halves[0] ?? "")
  const rest = halves.length === 2 ? parse(halves[1] ?? "") : []
  const missing = 8 - head.length - rest.length
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined
  const groups = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill("0"), ...rest]
  if (groups.some((g) => !/^[0-9a-fA-F]{1,4}$/.test(g))) return undefined
  return groups.map((g) => Number.parseInt(g, 16))
}

/**
 * The network a reader came from, never the reader: IPv4 to its /24 (`203.0.113.0`), IPv6 to
 * its /48 (`2001:db8:1::`). IPv4-mapped IPv6 counts as IPv4. `undefined` for anything else.
 */
export const truncateIp = (ip: string): string | undefined => {
  const text = ip.trim()
  if (IPV4.test(text)) return `${text.split(".").slice(0, 3).join(".")}.0`
  const groups = ipv6Groups(text)
  if (groups === undefined) return undefined
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    const high = groups[6] ?? 0
    return `${high >> 8}.${high & 0xff}.${(groups[7] ?? 0) >> 8}.0`
  }
  return `${groups
    .slice(0, 3)
    .map((g) => g.toString(16))
    .join(":")}::`
}

/** Whether an address is in Apple's 17.0.0.0/8, where Mail Privacy Protection fetches images from. */
export const isAppleNetwork = (ip: string): boolean => {
  const text = ip.trim().replace(/^::ffff:/i, "")
  return IPV4.test(text) && text.startsWith("17.")
}
