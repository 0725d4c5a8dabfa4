import { type BuilderType, TemplateNotFound, type TemplatePublicId } from "@poststack/domain"
import { Effect, Option } from "effect"
import { TemplateRepository } from "../../ports/TemplateRepository.js"
import { authorize, type Principal } from "../Principal.js"
import { prepareContent } from "./content.js"

/** The fields an update may change, each optional. */
export interface TemplateChanges {
  readonly name?: string | undefined
  readonly subject?: string | undefined
  readonly html?: string | null | undefined
  readonly text?: string | null | undefined
  readonly variables?: ReadonlyArray<string> | undefined
  readonly builderType?: BuilderType | undefined
  readonly builderBlocks?: unknown
}

/**
 * Changes a template. Editing a published template makes a new version (the repository keeps the
 * one replaced); mail already sent keeps what it rendered.
 */
export const UpdateTemplate = Effect.fn("UpdateTemplate")(function* (
  principal: Principal,
  id: TemplatePublicId,
  changes: TemplateChanges
) {
  const { teamId } = yield* authorize(principal, "templates")
  const templates = yield* TemplateRepository
  const current = yield* templates.get(teamId, id)
  if (Option.isNone(current)) return yield* new TemplateNotFound({ id })
  const t = current.value
  // Checked (and compiled) before the write, from the current row; the write re-reads under lock
  // and applies the same changes.
  const prepared = yield* prepareContent({
    name: changes.name ?? t.name,
    subject: changes.subject ?? t.subject,
    html: changes.html !== undefined ? changes.html : t.htmlBody,
    text: changes.text !== undefined ? changes.text : t.textBody,
    variables: changes.variables ?? t.variables,
    builderType: changes.builderType ?? t.builderType,
    builderBlocks: changes.builderBlocks !== undefined ? changes.builderBlocks : t.builderBlocks
  })
  const updated = yield* templates.update(teamId, id, (latest) => ({
    name: changes.name ?? latest.name,
    subject: changes.subject ?? latest.subject,
    htmlBody:
      changes.html !== undefined || changes.builderType !== undefined || changes.builderBlocks !== undefined
        ? prepared.htmlBody
        : latest.htmlBody,
    textBody: changes.text !== undefined ? changes.text : latest.textBody,
    variables: changes.variables !== undefined ? prepared.variables : latest.variables,
    builderType: changes.builderType ?? latest.builderType,
    builderBlocks: changes.builderBlocks !== undefined ? prepared.builderBlocks : latest.builderBlocks
  }))
  if (Option.isNone(updated)) return yield* new TemplateNotFound({ id })
  return updated.value
})
