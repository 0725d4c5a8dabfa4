import { Effect } from "effect"
import { type TemplateFilter, TemplateRepository } from "../../ports/TemplateRepository.js"
import { authorize, type Principal } from "../Principal.js"

/** A page of the team's templates, newest first, with the total that match. */
export const ListTemplates = Effect.fn("ListTemplates")(function* (
  principal: Principal,
  filter: TemplateFilter,
  page: number,
  perPage: number
) {
  const { teamId } = yield* authorize(principal, "templates")
  return yield* (yield* TemplateRepository).list(teamId, filter, page, perPage)
})
