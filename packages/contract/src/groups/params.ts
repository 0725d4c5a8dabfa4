import { isNameableInstant, MAX_ROW_ID } from "@poststack/domain"
import { ParseResult, Schema } from "effect"

/** The largest id a path or query may name: every id column it is compared with is an `integer`. */
export const MAX_ID = MAX_ROW_ID

/**
 * A whole number written in a path or a query string. Only plain decimal digits are read, with no
 * sign, space, exponent, fraction or hex (`Number` would read `0x1`, ` 1` and `1e0` as 1), so each
 * value has one spelling; and it is bounded, so it always fits the column it is compared with
 * instead of failing at the database.
 */
export const DecimalParam = (min: number, max: number, description: string) =>
  Schema.transformOrFail(Schema.String, Schema.Int, {
    strict: true,
    decode: (raw, _, ast) => {
      const n = /^(?:0|[1-9][0-9]{0,15})$/.test(raw) ? Number(raw) : Number.NaN
      return n >= min && n <= max
        ? ParseResult.succeed(n)
        : ParseResult.fail(new ParseResult.Type(ast, raw, `must be ${description}`))
    },
    encode: (n) => ParseResult.succeed(String(n))
  }).annotations({ description: `${description}, in decimal digits` })

/** A numeric id in a path or a query: 1 to 2147483647. */
export const IdParam = (what: string) => DecimalParam(1, MAX_ID, `${what} id from 1 to ${MAX_ID}`)

/** A numeric id of a 64-bit column (received mail, deliveries): 1 to 2^53 - 1. */
export const BigIdParam = (what: string) =>
  DecimalParam(1, Number.MAX_SAFE_INTEGER, `${what} id from 1 to ${Number.MAX_SAFE_INTEGER}`)

/** A 1-based page number. */
export const PageParam = DecimalParam(1, MAX_ID, `a page number from 1 to ${MAX_ID}`)

/** A page size: 1 to 100. */
export const PerPageParam = DecimalParam(1, 100, "a page size from 1 to 100")

/** `page` and `per_page` as every paginated list reads them (defaults 1 and 20). */
export const pageFields = {
  page: Schema.optionalWith(PageParam, { default: () => 1 }),
  perPage: Schema.optionalWith(PerPageParam, { default: () => 20 }).pipe(Schema.fromKey("per_page"))
}

/** A date a caller gives (a schedule, the start of a range): ISO 8601, from 1970 to the end of 9999. */
export const InputDate = Schema.Date.pipe(
  Schema.filter((d) => isNameableInstant(d.getTime()), { message: () => "must be a date from 1970 to 9999" })
)

/** Whether `raw` reads as a date that `InputDate` would take. */
export const isInputDate = (raw: string): boolean => isNameableInstant(Date.parse(raw))
