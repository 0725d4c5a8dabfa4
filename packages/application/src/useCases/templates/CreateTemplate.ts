import { Effect } from "effect"
import { TemplateRepository } from "../../ports/TemplateRepository.js"
import { authorize, type Principal } from "../Principal.js"
import { prepareContent, type TemplateInput } from "./content.js"

/** Adds a draft template; a subject or body that does not parse is refused. */
export const CreateTemplate = Effect.fn("CreateTemplate")(function* (
  principal: Principal,
  input: TemplateInput
) {
  const { teamId } = yield* authorize(principal, "templates")
  const template = yield* prepareContent(input)
  return yield* (yield* TemplateRepository).create(teamId, template)
})
