import { IPV4, ipv6Groups } from "./ClientIp.js"

/** Where an address is, as far as a geolocation database knows: each part `null` when unknown. */
export interface GeoLocation {
  /** ISO 3166-1 alpha-2, upper case. */
  readonly country: string | null
  readonly region: string | null
  readonly city: string | null
}

export const UNKNOWN_LOCATION: GeoLocation = { country: null, region: null, city: null }

const v4Private = (a: number, b: number): boolean =>
  a === 0 ||
  a === 10 ||
  a === 127 ||
  (a === 100 && b >= 64 && b <= 127) ||
  (a === 169 && b === 254) ||
  (a === 172 && b >= 16 && b <= 31) ||
  (a === 192 && b === 168) ||
  (a === 198 && (b === 18 || b === 19)) ||
  a >= 224

/**
 * Whether an address is on the public Internet, so that locating it means something: loopback,
 * private, shared (CGNAT), link-local, benchmark, multicast and reserved ranges are not, in IPv4,
 * in IPv6 (`::1`, `fc00::/7`, `fe80::/10`, `ff00::/8`) and as IPv4-mapped IPv6.
 */
export const isPublicAddress = (ip: string): boolean => {
  const text = ip.trim()
  if (IPV4.test(text)) {
    const [a = 0, b = 0] = text.split(".").map(Number)
    return !v4Private(a, b)
  }
  const groups = ipv6Groups(text)
  if (groups === undefined) return false
  const [g0 = 0, , , , , g5 = 0, g6 = 0] = groups
  if (groups.slice(0, 5).every((g) => g === 0) && g5 === 0xffff) return !v4Private(g6 >> 8, g6 & 0xff)
  if (groups.slice(0, 7).every((g) => g === 0)) return false
  return (g0 & 0xfe00) !== 0xfc00 && (g0 & 0xffc0) !== 0xfe80 && (g0 & 0xff00) !== 0xff00
}
