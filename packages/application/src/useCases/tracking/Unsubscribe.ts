import { Clock, Effect } from "effect"
import { EngagementLog } from "../../ports/EngagementLog.js"
import { type LinkPath, verifyLink } from "./RecordEngagement.js"

/** Checks an unsubscribe link before its confirmation page is shown (a GET never unsubscribes). */
export const CheckUnsubscribeLink = Effect.fn("CheckUnsubscribeLink")(function* (path: LinkPath) {
  return yield* verifyLink("unsubscribe", path)
})

/**
 * Unsubscribes the link's recipient: a suppression with reason `unsubscribe` and an
 * `unsubscribed` event. Repeating it is harmless.
 */
export const Unsubscribe = Effect.fn("Unsubscribe")(function* (path: LinkPath, via: "one_click" | "page") {
  const ref = yield* verifyLink("unsubscribe", path)
  const log = yield* EngagementLog
  return yield* log.unsubscribe(ref, via, new Date(yield* Clock.currentTimeMillis))
})
