import { insightsFor, type TeamId } from "@poststack/domain"
import { Effect } from "effect"
import { GetEmail } from "./GetEmail.js"

/** Advice about a sent (or queued) email's content, from what was stored of it. */
export const GetEmailInsights = Effect.fn("GetEmailInsights")(function* (teamId: TeamId, publicId: string) {
  const email = yield* GetEmail(teamId, publicId)
  return insightsFor({
    subject: email.subject,
    html: email.htmlBody,
    text: email.textBody,
    headers: email.headers,
    unsubscribe: email.unsubscribeEnabled
  })
})
