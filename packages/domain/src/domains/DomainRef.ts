import { Schema } from "effect"
import { MAX_ROW_ID, rowIdFrom } from "../RowId.js"

export const DomainId = Schema.Int.pipe(Schema.positive(), Schema.brand("DomainId"))
export type DomainId = typeof DomainId.Type

/**
 * How a client may name a domain: the numeric id (`"3"`, `3`) or its public id (`"dom_…"`).
 * Both forms are accepted everywhere a domain is referenced.
 */
export type DomainRef =
  | { readonly _tag: "Numeric"; readonly id: number }
  | { readonly _tag: "Public"; readonly publicId: string }

export const parseDomainRef = (raw: string | number): DomainRef | undefined => {
  if (typeof raw === "number")
    // Domain ids are 32-bit: a larger number names no domain, and is refused like any other non-id.
    return Number.isInteger(raw) && raw > 0 && raw <= MAX_ROW_ID ? { _tag: "Numeric", id: raw } : undefined
  const id = rowIdFrom(raw)
  if (id !== undefined) return { _tag: "Numeric", id }
  if (/^dom_[A-Za-z0-9]{1,64}$/.test(raw)) return { _tag: "Public", publicId: raw }
  return undefined
}
