import { copyName, TemplateNotFound, type TemplatePublicId } from "@poststack/domain"
import { Effect, Option } from "effect"
import { TemplateRepository } from "../../ports/TemplateRepository.js"
import { authorize, type Principal } from "../Principal.js"

/** A new draft with the template's content, named "<name> (copy)", at version 1. */
export const DuplicateTemplate = Effect.fn("DuplicateTemplate")(function* (
  principal: Principal,
  id: TemplatePublicId
) {
  const { teamId } = yield* authorize(principal, "templates")
  const templates = yield* TemplateRepository
  const found = yield* templates.get(teamId, id)
  if (Option.isNone(found)) return yield* new TemplateNotFound({ id })
  const t = found.value
  return yield* templates.create(teamId, {
    name: copyName(t.name),
    subject: t.subject,
    htmlBody: t.htmlBody,
    textBody: t.textBody,
    variables: t.variables,
    builderType: t.builderType,
    builderBlocks: t.builderBlocks
  })
})
