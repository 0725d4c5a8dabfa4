import { type BroadcastPublicId, PermissionDenied, plainSendRequest } from "@poststack/domain"
import { Effect } from "effect"
import { SendEmail } from "../emails/SendEmail.js"
import { authorize, type Principal } from "../Principal.js"
import { findBroadcast } from "./content.js"

/**
 * Sends the broadcast's content (its first variant's, for an A/B test) to one address as an
 * ordinary email, subject prefixed `[Test]`; the broadcast itself is untouched.
 */
export const SendTestBroadcast = Effect.fn("SendTestBroadcast")(function* (
  principal: Principal,
  id: BroadcastPublicId,
  email: string
) {
  const { teamId } = yield* authorize(principal, "broadcasts")
  const { broadcast: b, variants } = yield* findBroadcast(teamId, id)
  if (principal._tag !== "ApiKey")
    return yield* new PermissionDenied({ message: "Sending a test broadcast needs an API key" })
  const first = b.abTest === null ? undefined : variants[0]
  return yield* SendEmail(
    principal.key,
    plainSendRequest({
      from: b.fromName === null ? b.from : `${b.fromName} <${b.from}>`,
      to: [email],
      subject: `[Test] ${first?.subject ?? b.subject}`,
      html: first === undefined ? b.html : first.html,
      text: first === undefined ? b.text : first.text,
      replyTo: b.replyTo === null ? [] : [b.replyTo]
    }),
    null
  )
})
