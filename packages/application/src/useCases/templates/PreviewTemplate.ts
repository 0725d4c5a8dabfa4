import {
  renderTemplate,
  stringVariables,
  TemplateNotFound,
  type TemplatePublicId,
  ValidationFailed
} from "@poststack/domain"
import { Effect, Either, Option } from "effect"
import { TemplateEngine } from "../../ports/TemplateEngine.js"
import { TemplateRepository } from "../../ports/TemplateRepository.js"
import { authorize, type Principal } from "../Principal.js"

/**
 * The template rendered with these variables, published or not, nothing sent: what is missing
 * is listed rather than refused, so an author can see the gaps.
 */
export const PreviewTemplate = Effect.fn("PreviewTemplate")(function* (
  principal: Principal,
  id: TemplatePublicId,
  variables: unknown
) {
  const { teamId } = yield* authorize(principal, "templates")
  const given = stringVariables(variables)
  if (Either.isLeft(given)) return yield* new ValidationFailed({ message: given.left })
  const found = yield* (yield* TemplateRepository).get(teamId, id)
  if (Option.isNone(found)) return yield* new TemplateNotFound({ id })
  const engine = yield* TemplateEngine
  return yield* renderTemplate(engine.language, found.value, given.right)
})
