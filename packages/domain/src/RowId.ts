/** The largest PostgreSQL `integer`: the type of every 32-bit id column. */
export const MAX_ROW_ID = 2_147_483_647

/**
 * The 32-bit row id a text names: plain decimal digits with no sign, space, exponent or leading
 * zero, within the column's range; `undefined` for anything else (so `"2147483648"` names no row
 * rather than failing a query).
 */
export const rowIdFrom = (text: string): number | undefined =>
  /^[1-9][0-9]{0,9}$/.test(text) && Number(text) <= MAX_ROW_ID ? Number(text) : undefined
