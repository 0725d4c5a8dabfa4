import {
  ContactPropertyRepository,
  ContactRepository,
  SegmentAudience,
  SegmentRepository,
  TopicRepository
} from "@poststack/application"
import {
  Contact,
  ContactProperty,
  ContactPropertyAlreadyExists,
  type ContactPropertyId,
  type TeamId
} from "@poststack/domain"
import { Context, Effect, Layer, Option } from "effect"
import * as MemoryContactRepository from "./MemoryContactRepository.js"
import * as MemorySegmentRepository from "./MemorySegmentRepository.js"
import * as MemoryTopicRepository from "./MemoryTopicRepository.js"

/** Contact properties in process memory; deleting one drops the values the memory contacts hold. */
export const make = (state: MemoryContactRepository.MemoryContactState) => {
  const find = (teamId: TeamId, id: ContactPropertyId) =>
    state.properties.findIndex((p) => p.teamId === teamId && p.id === id)
  return ContactPropertyRepository.of({
    list: (teamId) => Effect.sync(() => state.properties.filter((p) => p.teamId === teamId)),
    get: (teamId, id) => Effect.sync(() => Option.fromNullable(state.properties[find(teamId, id)])),
    create: (teamId, fields) =>
      Effect.suspend(() => {
        if (state.properties.some((p) => p.teamId === teamId && p.name === fields.name))
          return Effect.fail(new ContactPropertyAlreadyExists({ name: fields.name }))
        const property = ContactProperty.make({
          id: state.nextId++ as ContactPropertyId,
          teamId,
          ...fields,
          createdAt: new Date()
        })
        state.properties.push(property)
        return Effect.succeed(property)
      }),
    update: (teamId, id, changes) =>
      Effect.sync(() => {
        const at = find(teamId, id)
        const current = state.properties[at]
        if (current === undefined) return Option.none()
        const updated = ContactProperty.make({
          ...current,
          label: changes.label ?? current.label,
          options: changes.options ?? current.options,
          required: changes.required ?? current.required
        })
        state.properties[at] = updated
        return Option.some(updated)
      }),
    remove: (teamId, id) =>
      Effect.sync(() => {
        const at = find(teamId, id)
        const removed = state.properties[at]
        if (removed === undefined) return false
        state.properties.splice(at, 1)
        state.contacts.forEach((c, i) => {
          if (c.teamId !== teamId || !(removed.name in c.properties)) return
          const { [removed.name]: _dropped, ...rest } = c.properties
          state.contacts[i] = Contact.make({ ...c, properties: rest })
        })
        return true
      }),
    optionUsage: (teamId, property) =>
      Effect.sync(() => {
        const usage: Record<string, number> = {}
        for (const option of property.options ?? []) usage[option] = 0
        for (const c of state.contacts) {
          const value = c.properties[property.name]
          if (c.teamId === teamId && value !== undefined)
            usage[String(value)] = (usage[String(value)] ?? 0) + 1
        }
        return usage
      })
  })
}

/** The contact twins (contacts, properties, topics) over one shared state (a property's deletion reaches the contacts). */
export const layerWithContacts = Layer.effectContext(
  Effect.sync(() => {
    const state = MemoryContactRepository.makeState()
    return Context.make(ContactRepository, MemoryContactRepository.make(state)).pipe(
      Context.add(ContactPropertyRepository, make(state)),
      Context.add(TopicRepository, MemoryTopicRepository.make(state)),
      Context.add(MemoryContactRepository.MemoryContactOutbox, { events: state.events }),
      Context.add(SegmentRepository, MemorySegmentRepository.make(state)),
      Context.add(SegmentAudience, MemorySegmentRepository.makeAudience(state)),
      Context.add(MemoryContactRepository.MemoryContacts, state)
    )
  })
)
