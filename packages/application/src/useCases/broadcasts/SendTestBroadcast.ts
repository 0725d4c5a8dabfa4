import { type BroadcastPublicId, plainSendRequest } from "@poststack/domain"
import { Effect } from "effect"
import { SendEmail } from "../emails/SendEmail.js"
import { authorize, type Principal } from "../Principal.js"
import { findBroadcast } from "./content.js"

/**
 * Sends the broadcast's content (its first variant's, for an A/B test) to one address as an
 * ordinary email, subject prefixed `[Test]`; the broadcast itself is untouched. A key sends as
 * itself; a dashboard session sends as the team (no key recorded), in the broadcast's own mode.
 */
export const SendTestBroadcast = Effect.fn("SendTestBroadcast")(function* (
  principal: Principal,
  id: BroadcastPublicId,
  email: string
) {
  const { teamId } = yield* authorize(principal, "broadcasts")
  const { broadcast: b, variants } = yield* findBroadcast(teamId, id)
  const first = b.abTest === null ? undefined : variants[0]
  return yield* SendEmail(
    principal._tag === "ApiKey"
      ? principal.key
      : { _tag: "TeamSender", teamId, mode: b.testMode ? "test" : "live" },
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
