import { Schema } from "effect"

/** The body of every deletion: JSON, never an empty 204 (the SDK parses every success). */
export const Success = Schema.Struct({ success: Schema.Literal(true), deleted: Schema.Literal(true) })
