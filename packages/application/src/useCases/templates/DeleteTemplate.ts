import { TemplateNotFound, type TemplatePublicId } from "@poststack/domain"
import { Effect, Option } from "effect"
import { TemplateRepository } from "../../ports/TemplateRepository.js"
import { authorize, type Principal } from "../Principal.js"

/** Removes a template; mail sent from it is unaffected (it keeps what it rendered). */
export const DeleteTemplate = Effect.fn("DeleteTemplate")(function* (
  principal: Principal,
  id: TemplatePublicId
) {
  const { teamId } = yield* authorize(principal, "templates")
  const removed = yield* (yield* TemplateRepository).remove(teamId, id)
  if (Option.isNone(removed)) return yield* new TemplateNotFound({ id })
})
