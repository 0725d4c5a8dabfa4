import type {
  Contact,
  ContactAlreadyExists,
  ContactPublicId,
  EngagementSegment,
  EncodedWebhookEvent,
  PropertyValues,
  SegmentAudienceOf,
  TeamId
} from "@poststack/domain"
import { Context, type Effect, type Option } from "effect"
import type { StoreUnavailable } from "./StoreUnavailable.js"

/** What a new contact (created or imported) holds. */
export interface NewContact {
  readonly email: string
  readonly firstName: string | null
  readonly lastName: string | null
  readonly unsubscribed: boolean
  readonly properties: PropertyValues
}

/** Which contacts a list returns. */
export interface ContactFilter {
  /** Part of the email, first or last name, case-insensitively. */
  readonly search?: string
  readonly unsubscribed?: boolean
  readonly engagementSegment?: EngagementSegment
  /** Only the members of a segment (its member rows, or what its rules select). */
  readonly segment?: SegmentAudienceOf
}

/** The fields a partial update may change. */
export type ContactChanges = Partial<
  Pick<Contact, "firstName" | "lastName" | "unsubscribed" | "unsubscribedAt" | "properties">
>

/**
 * A team's contacts. Every write also writes its outbox events (`contact.*`, built by the caller)
 * in the same transaction, so a webhook never tells of a change that did not happen, nor misses one.
 */
export class ContactRepository extends Context.Tag("@poststack/application/ContactRepository")<
  ContactRepository,
  {
    /** Adds a contact; an address the team already has (whatever its case) is `ContactAlreadyExists`. */
    readonly create: (
      teamId: TeamId,
      contact: NewContact,
      events: (created: Contact) => ReadonlyArray<EncodedWebhookEvent>
    ) => Effect.Effect<Contact, ContactAlreadyExists | StoreUnavailable>
    /**
     * Newest first, with the total matching the filter. With `countUpTo`, the total stops there:
     * it is the exact count when fewer match, and `countUpTo` when at least that many do.
     */
    readonly list: (
      teamId: TeamId,
      filter: ContactFilter,
      page: number,
      perPage: number,
      countUpTo?: number
    ) => Effect.Effect<
      { readonly contacts: ReadonlyArray<Contact>; readonly total: number },
      StoreUnavailable
    >
    readonly get: (
      teamId: TeamId,
      id: ContactPublicId
    ) => Effect.Effect<Option.Option<Contact>, StoreUnavailable>
    /** By address, case-insensitively. */
    readonly getByEmail: (
      teamId: TeamId,
      email: string
    ) => Effect.Effect<Option.Option<Contact>, StoreUnavailable>
    /** Applies the changes (and bumps `updatedAt`); `None` when the contact is gone. */
    readonly update: (
      teamId: TeamId,
      id: ContactPublicId,
      changes: ContactChanges,
      events: (updated: Contact) => ReadonlyArray<EncodedWebhookEvent>
    ) => Effect.Effect<Option.Option<Contact>, StoreUnavailable>
    /** Removes the contact; `None` when there was none. */
    readonly remove: (
      teamId: TeamId,
      id: ContactPublicId,
      events: (removed: Contact) => ReadonlyArray<EncodedWebhookEvent>
    ) => Effect.Effect<Option.Option<Contact>, StoreUnavailable>
    /**
     * Adds the rows whose address the team does not have yet, in one statement; addresses already
     * there (or repeated in `rows`) are skipped, never updated. Returns the skipped addresses.
     */
    readonly importMany: (
      teamId: TeamId,
      rows: ReadonlyArray<NewContact>,
      events: (created: Contact) => ReadonlyArray<EncodedWebhookEvent>
    ) => Effect.Effect<
      { readonly imported: number; readonly skipped: ReadonlyArray<string> },
      StoreUnavailable
    >
    /** Every contact of the team, or of one segment of it, oldest first (for export). */
    readonly all: (
      teamId: TeamId,
      segment?: SegmentAudienceOf
    ) => Effect.Effect<ReadonlyArray<Contact>, StoreUnavailable>
  }
>() {}
