import { Schema } from "effect"

/**
 * The backing store (database, cache) could not answer. Retryable: nothing was changed, or the
 * change was rolled back whole.
 */
export class StoreUnavailable extends Schema.TaggedError<StoreUnavailable>()("StoreUnavailable", {
  message: Schema.String
}) {}
