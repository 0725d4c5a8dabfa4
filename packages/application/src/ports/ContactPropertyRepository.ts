import type {
  ContactProperty,
  ContactPropertyAlreadyExists,
  ContactPropertyId,
  ContactPropertyType,
  TeamId
} from "@poststack/domain"
import { Context, type Effect, type Option } from "effect"
import type { StoreUnavailable } from "./StoreUnavailable.js"

export interface NewContactProperty {
  readonly name: string
  readonly label: string
  readonly type: ContactPropertyType
  readonly options: ReadonlyArray<string> | null
  readonly required: boolean
}

/** What an update may change: name and type never change. */
export interface ContactPropertyChanges {
  readonly label?: string | undefined
  readonly options?: ReadonlyArray<string> | undefined
  readonly required?: boolean | undefined
}

/** The typed properties a team defines for its contacts. */
export class ContactPropertyRepository extends Context.Tag(
  "@poststack/application/ContactPropertyRepository"
)<
  ContactPropertyRepository,
  {
    /** Oldest first. */
    readonly list: (teamId: TeamId) => Effect.Effect<ReadonlyArray<ContactProperty>, StoreUnavailable>
    readonly get: (
      teamId: TeamId,
      id: ContactPropertyId
    ) => Effect.Effect<Option.Option<ContactProperty>, StoreUnavailable>
    /** A name the team already uses is `ContactPropertyAlreadyExists`. */
    readonly create: (
      teamId: TeamId,
      property: NewContactProperty
    ) => Effect.Effect<ContactProperty, ContactPropertyAlreadyExists | StoreUnavailable>
    readonly update: (
      teamId: TeamId,
      id: ContactPropertyId,
      changes: ContactPropertyChanges
    ) => Effect.Effect<Option.Option<ContactProperty>, StoreUnavailable>
    /** Removes the property and, in the same transaction, every contact's value for it. */
    readonly remove: (teamId: TeamId, id: ContactPropertyId) => Effect.Effect<boolean, StoreUnavailable>
    /** How many contacts hold each value of the property (options no one holds count 0). */
    readonly optionUsage: (
      teamId: TeamId,
      property: ContactProperty
    ) => Effect.Effect<Readonly<Record<string, number>>, StoreUnavailable>
  }
>() {}
