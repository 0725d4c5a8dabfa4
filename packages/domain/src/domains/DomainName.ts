/**
 * A sending domain's name as stored: lower case, ASCII (internationalised names in their `xn--`
 * form), no trailing dot, at least two labels.
 */
export type DomainNameProblem =
  | "empty"
  | "too_long"
  | "not_ascii"
  | "single_label"
  | "bad_label"
  | "numeric_tld"

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/

export const normalizeDomainName = (raw: string): { name: string } | { problem: DomainNameProblem } => {
  const name = raw.trim().toLowerCase().replace(/\.$/, "")
  if (name === "") return { problem: "empty" }
  if (name.length > 253) return { problem: "too_long" }
  if (!/^[\x21-\x7e]+$/.test(name)) return { problem: "not_ascii" }
  const labels = name.split(".")
  if (labels.length < 2) return { problem: "single_label" }
  if (!labels.every((label) => LABEL.test(label))) return { problem: "bad_label" }
  if (/^[0-9]+$/.test(labels[labels.length - 1] ?? "")) return { problem: "numeric_tld" }
  return { name }
}

export const describeNameProblem = (problem: DomainNameProblem): string =>
  ({
    empty: "name must not be empty",
    too_long: "name must be at most 253 characters",
    not_ascii: "name must be ASCII: give an internationalised name in its xn-- form",
    single_label: "name must have at least two labels, such as example.com",
    bad_label: "each label of name must be 1 to 63 letters, digits or inner hyphens",
    numeric_tld: "name must not end in a numeric label (IP addresses cannot be sending domains)"
  })[problem]

/** True when `child` is `parent` or one of its subdomains. */
export const isWithin = (child: string, parent: string): boolean =>
  child === parent || child.endsWith(`.${parent}`)

/**
 * DMARC relaxed alignment: the authenticated domain and the From domain share an organisational
 * domain. `organizationalDomain` comes from the public suffix list, which the caller owns.
 */
export const alignedRelaxed = (
  authenticated: string,
  from: string,
  organizationalDomain: (name: string) => string
): boolean => organizationalDomain(authenticated.toLowerCase()) === organizationalDomain(from.toLowerCase())
