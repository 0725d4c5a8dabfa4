import { Schema } from "effect"

/** DNS could not be asked (timeout, SERVFAIL): nothing can be concluded about the records. */
export class DnsUnavailable extends Schema.TaggedError<DnsUnavailable>()("DnsUnavailable", {
  message: Schema.String
}) {}
