import {
  type BroadcastPublicId,
  contactTemplateFields,
  plainSendRequest,
  readsContact,
  renderTemplate
} from "@poststack/domain"
import { Effect, Either, Option } from "effect"
import { ContactRepository } from "../../ports/ContactRepository.js"
import { TemplateEngine } from "../../ports/TemplateEngine.js"
import { SendEmail } from "../emails/SendEmail.js"
import { authorize, type Principal } from "../Principal.js"
import { findBroadcast } from "./content.js"

/**
 * Sends the broadcast's content (its first variant's, for an A/B test) to one address as an
 * ordinary email, subject prefixed `[Test]`; the broadcast itself is untouched. A key sends as
 * itself; a dashboard session sends as the team (no key recorded), in the broadcast's own mode.
 * Content that reads the recipient's contact is filled in as the send would fill it: with the
 * team's contact of that address, or with the address alone (a template's defaults show) when it
 * is no contact, so a test never shows `{{ contact.first_name }}` as written.
 */
export const SendTestBroadcast = Effect.fn("SendTestBroadcast")(function* (
  principal: Principal,
  id: BroadcastPublicId,
  email: string
) {
  const { teamId } = yield* authorize(principal, "broadcasts")
  const { broadcast: b, variants } = yield* findBroadcast(teamId, id)
  const first = b.abTest === null ? undefined : variants[0]
  const source = {
    subject: first?.subject ?? b.subject,
    htmlBody: first === undefined ? b.html : first.html,
    textBody: first === undefined ? b.text : first.text
  }
  const engine = yield* TemplateEngine
  let content = { subject: source.subject, html: source.htmlBody, text: source.textBody }
  if (readsContact(engine.language, source)) {
    const contact = yield* (yield* ContactRepository).getByEmail(teamId, email)
    const fields = Option.match(contact, {
      onNone: () => ({ email }),
      onSome: contactTemplateFields
    })
    const rendered = renderTemplate(engine.language, { ...source, variables: [] }, {}, fields)
    // Content that no longer renders goes as written, as the send itself sends it.
    if (Either.isRight(rendered))
      content = { subject: rendered.right.subject, html: rendered.right.html, text: rendered.right.text }
  }
  return yield* SendEmail(
    principal._tag === "ApiKey"
      ? principal.key
      : { _tag: "TeamSender", teamId, mode: b.testMode ? "test" : "live" },
    plainSendRequest({
      from: b.fromName === null ? b.from : `${b.fromName} <${b.from}>`,
      to: [email],
      subject: `[Test] ${content.subject}`,
      html: content.html,
      text: content.text,
      replyTo: b.replyTo === null ? [] : [b.replyTo]
    }),
    null
  )
})
