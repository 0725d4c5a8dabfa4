/** A mailbox as a sender or recipient: the bare address, and an optional display name. */
export interface Mailbox {
  readonly address: string
  readonly name: string | null
}

// Dot-atom local parts (the practical subset every MTA accepts) and LDH domains.
const LOCAL = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/
const DOMAIN =
  /^(?=.{1,253}$)([A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/

/** A bare address, with its domain lower-cased; `undefined` when it is not one we can deliver to. */
export const normalizeAddress = (raw: string): string | undefined => {
  const at = raw.lastIndexOf("@")
  if (at <= 0 || raw.length > 254) return undefined
  const local = raw.slice(0, at)
  const domain = raw.slice(at + 1)
  if (local.length > 64 || !LOCAL.test(local) || !DOMAIN.test(domain)) return undefined
  return `${local}@${domain.toLowerCase()}`
}

/**
 * Parses `addr@example.com`, `<addr@example.com>`, `Name <addr@example.com>` or
 * `"Name, Inc." <addr@example.com>`. Control characters (CR, LF…) are refused anywhere.
 */
export const parseMailbox = (raw: string): Mailbox | undefined => {
  if (/\p{Cc}/u.test(raw)) return undefined
  const text = raw.trim()
  const angle = /^(.*?)\s*<([^<>]+)>$/.exec(text)
  if (angle === null) {
    const address = normalizeAddress(text)
    return address === undefined ? undefined : { address, name: null }
  }
  const address = normalizeAddress((angle[2] ?? "").trim())
  if (address === undefined) return undefined
  let name = (angle[1] ?? "").trim()
  if (name.startsWith('"') && name.endsWith('"') && name.length >= 2)
    name = name.slice(1, -1).replace(/\\(.)/g, "$1")
  if (/[<>"]/.test(name) || name.length > 200) return undefined
  return { address, name: name === "" ? null : name }
}

/**
 * A mailbox as header text that any RFC 5322 parser reads back as this one mailbox: a name with
 * specials (`,` `;` `:` `@`, parentheses…) is quoted, else it would be read as a list or a group.
 */
export const formatMailbox = (mailbox: Mailbox): string => {
  if (mailbox.name === null) return mailbox.address
  const atoms = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~ -]+$/.test(mailbox.name)
  return atoms
    ? `${mailbox.name} <${mailbox.address}>`
    : `"${mailbox.name.replace(/["\\]/g, "\\$&")}" <${mailbox.address}>`
}

export const domainOf = (address: string): string => address.slice(address.lastIndexOf("@") + 1)

/**
 * One entry per address, however often a list names it: addresses compared without regard to
 * case, the first mention kept with its spelling (the API's and the relay's recipients, the MX's
 * envelope).
 */
export const firstPerAddress = <A extends { readonly address: string }>(
  all: ReadonlyArray<A>
): ReadonlyArray<A> => {
  const seen = new Set<string>()
  return all.filter((r) => {
    const key = r.address.toLowerCase()
    if (seen.has(key)) return false
    seen.add(key)
    return true
  })
}
