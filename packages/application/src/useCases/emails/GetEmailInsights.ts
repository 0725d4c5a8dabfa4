import { insightsFor } from "@poststack/domain"
import { Effect } from "effect"
import type { Principal } from "../Principal.js"
import { GetEmail } from "./GetEmail.js"

/** Advice about a sent (or queued) email's content, from what was stored of it. */
export const GetEmailInsights = Effect.fn("GetEmailInsights")(function* (
  principal: Principal,
  publicId: string
) {
  const email = yield* GetEmail(principal, publicId)
  return insightsFor({
    subject: email.subject,
    html: email.htmlBody,
    text: email.textBody,
    headers: email.headers,
    unsubscribe: email.unsubscribeEnabled
  })
})
