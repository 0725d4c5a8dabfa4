import {
  type ApiKey,
  contactTemplateFields,
  readsContact,
  renderTemplate,
  stringVariables,
  TemplateNotPublished,
  TemplatePublicId,
  TemplateUnknown,
  TemplateVariablesMissing,
  ValidationFailed
} from "@poststack/domain"
import { Effect, Either, Option, Schema } from "effect"
import { ContactRepository } from "../../ports/ContactRepository.js"
import { TemplateEngine } from "../../ports/TemplateEngine.js"
import { TemplateRepository } from "../../ports/TemplateRepository.js"

const isPublicId = Schema.is(TemplatePublicId)

/** What a send from a template gets to send, and which version it used. */
export interface TemplateForSend {
  readonly subject: string
  readonly html: string | null
  readonly text: string | null
  readonly version: number
}

/**
 * Renders the team's published template for one send (REST, batch element or SMTP relay). An
 * unknown or unpublished template, variables that are not strings, or variables the template
 * reads left without a value are refused (422) and nothing is queued. The recipient's contact
 * fields are read (one query) only when the template reads `contact`. Only runs when a send names
 * a template: sends without one never reach it.
 */
export const RenderTemplateForSend = Effect.fnUntraced(function* (
  caller: Pick<ApiKey, "teamId">,
  templateId: string,
  variables: unknown,
  recipient: string | undefined
) {
  const given = stringVariables(variables)
  if (Either.isLeft(given)) return yield* new ValidationFailed({ message: given.left })
  if (!isPublicId(templateId)) return yield* new TemplateUnknown({ id: templateId })
  const found = yield* (yield* TemplateRepository).get(caller.teamId, templateId)
  if (Option.isNone(found)) return yield* new TemplateUnknown({ id: templateId })
  const template = found.value
  if (!template.published) return yield* new TemplateNotPublished({ id: templateId })
  const engine = yield* TemplateEngine
  let contact: Record<string, unknown> | null = null
  if (recipient !== undefined && readsContact(engine.language, template)) {
    const row = yield* (yield* ContactRepository).getByEmail(caller.teamId, recipient)
    if (Option.isSome(row)) contact = contactTemplateFields(row.value)
  }
  const rendered = yield* renderTemplate(engine.language, template, given.right, contact)
  if (rendered.missingVariables.length > 0)
    return yield* new TemplateVariablesMissing({ names: rendered.missingVariables })
  return {
    subject: rendered.subject,
    html: rendered.html,
    text: rendered.text,
    version: template.version
  } satisfies TemplateForSend
})
