import { TemplateNotFound, type TemplatePublicId } from "@poststack/domain"
import { Effect, Option } from "effect"
import { TemplateRepository } from "../../ports/TemplateRepository.js"
import { authorize, type Principal } from "../Principal.js"

/** One template by its `tpl_` id; another team's is not found. */
export const GetTemplate = Effect.fn("GetTemplate")(function* (principal: Principal, id: TemplatePublicId) {
  const { teamId } = yield* authorize(principal, "templates")
  const found = yield* (yield* TemplateRepository).get(teamId, id)
  if (Option.isNone(found)) return yield* new TemplateNotFound({ id })
  return found.value
})

/** The versions kept before the current one, oldest first. */
export const ListTemplateVersions = Effect.fn("ListTemplateVersions")(function* (
  principal: Principal,
  id: TemplatePublicId
) {
  const { teamId } = yield* authorize(principal, "templates")
  const templates = yield* TemplateRepository
  if (Option.isNone(yield* templates.get(teamId, id))) return yield* new TemplateNotFound({ id })
  return yield* templates.versions(teamId, id)
})
