import { ContactImport, type ContactRepository } from "@poststack/application"
import { Effect, Exit } from "effect"
import type { MemoryContactState } from "./MemoryContactRepository.js"

/** Imports over the memory contacts: a failed import puts the state back as it was. */
export const make = (state: MemoryContactState, contacts: ContactRepository["Type"]) =>
  ContactImport.of({
    run: (teamId, events, body) =>
      Effect.suspend(() => {
        const before = { contacts: [...state.contacts], events: [...state.events], nextId: state.nextId }
        return body((rows) =>
          // Row by row, so each skipped row is known by its place (a repeat of an address included).
          Effect.reduce(rows, { imported: 0, skipped: [] as Array<number> }, (acc, row, i) =>
            Effect.map(contacts.importMany(teamId, [row], events ?? (() => [])), (r) =>
              r.imported === 1
                ? { ...acc, imported: acc.imported + 1 }
                : { ...acc, skipped: [...acc.skipped, i] }
            )
          )
        ).pipe(
          Effect.onExit((exit) =>
            Effect.sync(() => {
              if (Exit.isSuccess(exit)) return
              state.contacts.splice(0, state.contacts.length, ...before.contacts)
              state.events.splice(0, state.events.length, ...before.events)
              state.nextId = before.nextId
            })
          )
        )
      })
  })
