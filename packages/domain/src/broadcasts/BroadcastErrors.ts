import { Schema } from "effect"

/** No broadcast of that id in the team (another team's broadcasts are absent too). */
export class BroadcastNotFound extends Schema.TaggedError<BroadcastNotFound>()("BroadcastNotFound", {
  id: Schema.String
}) {
  override get message() {
    return `Broadcast not found: ${this.id}`
  }
}

/** The change asked for needs another status (editing or sending what is not a draft, cancelling what is done). */
export class BroadcastNotInStatus extends Schema.TaggedError<BroadcastNotInStatus>()("BroadcastNotInStatus", {
  action: Schema.String,
  status: Schema.String
}) {
  override get message() {
    return `Cannot ${this.action} a broadcast that is ${this.status}`
  }
}

/** Variant statistics or an early winner asked of a broadcast without an A/B test. */
export class BroadcastHasNoAbTest extends Schema.TaggedError<BroadcastHasNoAbTest>()(
  "BroadcastHasNoAbTest",
  {}
) {
  override get message() {
    return "This broadcast has no A/B test"
  }
}

/** A `segment_id` or `topic_id` the team does not have: refused as input. */
export class BroadcastAudienceUnknown extends Schema.TaggedError<BroadcastAudienceUnknown>()(
  "BroadcastAudienceUnknown",
  { field: Schema.String, id: Schema.String }
) {
  override get message() {
    return `${this.field}: no such ${this.field === "topic_id" ? "topic" : "segment"} (${this.id})`
  }
}
