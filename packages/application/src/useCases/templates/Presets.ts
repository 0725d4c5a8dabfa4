import { presetById, TEMPLATE_PRESETS, TemplatePresetNotFound } from "@poststack/domain"
import { Effect } from "effect"
import { TemplateRepository } from "../../ports/TemplateRepository.js"
import { authorize, type Principal } from "../Principal.js"

/** The presets a team can start from. */
export const ListTemplatePresets = Effect.fn("ListTemplatePresets")(function* (principal: Principal) {
  yield* authorize(principal, "templates")
  return TEMPLATE_PRESETS
})

/** A new draft template made from a preset. */
export const UseTemplatePreset = Effect.fn("UseTemplatePreset")(function* (
  principal: Principal,
  presetId: string
) {
  const { teamId } = yield* authorize(principal, "templates")
  const preset = presetById(presetId)
  if (preset === undefined) return yield* new TemplatePresetNotFound({ id: presetId })
  return yield* (yield* TemplateRepository).create(teamId, {
    name: preset.name,
    subject: preset.subject,
    htmlBody: preset.html,
    textBody: preset.text,
    variables: preset.variables,
    builderType: "html",
    builderBlocks: null
  })
})
