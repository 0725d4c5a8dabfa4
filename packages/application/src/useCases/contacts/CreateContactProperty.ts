import { type ContactPropertyType, definitionProblem, PropertyDefinitionInvalid } from "@poststack/domain"
import { Effect } from "effect"
import { ContactPropertyRepository } from "../../ports/ContactPropertyRepository.js"
import { authorize, type Principal } from "../Principal.js"

export interface CreateContactPropertyInput {
  readonly name: string
  readonly label: string
  readonly type: ContactPropertyType
  readonly options?: ReadonlyArray<string> | undefined
  readonly required?: boolean | undefined
}

/** Defines a property; its name and type never change afterwards. */
export const CreateContactProperty = Effect.fn("CreateContactProperty")(function* (
  principal: Principal,
  input: CreateContactPropertyInput
) {
  const { teamId } = yield* authorize(principal, "contacts")
  const options = input.options ?? null
  const problem = definitionProblem(input.type, options)
  if (problem !== undefined) return yield* new PropertyDefinitionInvalid({ reason: problem })
  return yield* (yield* ContactPropertyRepository).create(teamId, {
    name: input.name,
    label: input.label,
    type: input.type,
    options,
    required: input.required ?? false
  })
})
