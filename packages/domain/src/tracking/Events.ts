import { Schema } from "effect"
import type { ClientInfo } from "./Engagement.js"
import type { GeoLocation } from "./Geo.js"
import type { TrackingRef } from "./Links.js"

/** A tracking or unsubscribe link whose signature does not match what it names: never followed. */
export class TrackingLinkInvalid extends Schema.TaggedError<TrackingLinkInvalid>()("TrackingLinkInvalid", {
  message: Schema.String
}) {}

/** A reader's open or click, as recorded for the email and its webhooks. */
export interface EngagementEvent {
  readonly ref: TrackingRef
  readonly type: "opened" | "clicked"
  readonly at: Date
  /** The clicked target; `undefined` for opens. */
  readonly url: string | undefined
  readonly userAgent: string
  /** Already truncated to its network (see `truncateIp`). */
  readonly network: string | undefined
  readonly client: ClientInfo
  readonly isPrefetch: boolean
  /** Where the full address is, looked up before it was truncated. */
  readonly location: GeoLocation
}
