import { TemplateNotFound, type TemplatePublicId } from "@poststack/domain"
import { Effect, Option } from "effect"
import { TemplateRepository } from "../../ports/TemplateRepository.js"
import { authorize, type Principal } from "../Principal.js"

const setPublished = (published: boolean) =>
  Effect.fn(published ? "PublishTemplate" : "UnpublishTemplate")(function* (
    principal: Principal,
    id: TemplatePublicId
  ) {
    const { teamId } = yield* authorize(principal, "templates")
    const changed = yield* (yield* TemplateRepository).setPublished(teamId, id, published)
    if (Option.isNone(changed)) return yield* new TemplateNotFound({ id })
    return changed.value
  })

/** Makes a template usable in sends. */
export const PublishTemplate = setPublished(true)

/** Takes a template out of sends (a send naming it is then refused); it can be published again. */
export const UnpublishTemplate = setPublished(false)
