import { Schema } from "effect"

export const DomainId = Schema.Int.pipe(Schema.positive(), Schema.brand("DomainId"))
export type DomainId = typeof DomainId.Type

/**
 * How a client may name a domain: the numeric id (`"3"`, `3`) or its public id (`"dom_…"`).
 * Both forms are accepted everywhere a domain is referenced.
 */
export type DomainRef =
  | { readonly _tag: "Numeric"; readonly id: number }
  | { readonly _tag: "Public"; readonly publicId: string }

/** Domain ids are 32-bit: a larger number names no domain, and is refused like any other non-id. */
const MAX_DOMAIN_ID = 2_147_483_647

export const parseDomainRef = (raw: string | number): DomainRef | undefined => {
  if (typeof raw === "number")
    return Number.isInteger(raw) && raw > 0 && raw <= MAX_DOMAIN_ID ? { _tag: "Numeric", id: raw } : undefined
  if (/^[1-9][0-9]{0,9}$/.test(raw) && Number(raw) <= MAX_DOMAIN_ID)
    return { _tag: "Numeric", id: Number(raw) }
  if (/^dom_[A-Za-z0-9]{1,64}$/.test(raw)) return { _tag: "Public", publicId: raw }
  return undefined
}
