import { ContactRepository } from "@poststack/application"
import {
  Contact,
  ContactAlreadyExists,
  type ContactId,
  type ContactProperty,
  newContactPublicId,
  type EncodedWebhookEvent,
  type RuleEngagementEvent,
  matches,
  type Segment,
  type SegmentAudienceOf,
  type SegmentId,
  type TeamId
} from "@poststack/domain"
import { Context, Effect, Option } from "effect"

/** What the memory contact twins share, as the PostgreSQL tables are shared. */
export interface MemoryContactState {
  readonly contacts: Array<Contact>
  readonly properties: Array<ContactProperty>
  readonly events: Array<{ readonly teamId: TeamId } & EncodedWebhookEvent>
  readonly segments: Array<Segment>
  readonly members: Array<{
    readonly segmentId: SegmentId
    readonly contactId: ContactId
    readonly addedAt: Date
  }>
  /** Opens and clicks of mail sent to an address of a team (what rule segments read); fed by tests. */
  readonly engagement: Array<{ readonly teamId: TeamId; readonly email: string } & RuleEngagementEvent>
  nextId: number
  nextSegmentId: number
}

/** Test seam of the memory contacts: the `contact.*` outbox events written so far, oldest first. */
export class MemoryContactOutbox extends Context.Tag("@poststack/adapters-persistence/MemoryContactOutbox")<
  MemoryContactOutbox,
  { readonly events: ReadonlyArray<{ readonly teamId: TeamId } & EncodedWebhookEvent> }
>() {}

/** Test seam: the memory contacts' whole state (to feed opens and clicks to rule segments). */
export class MemoryContacts extends Context.Tag("@poststack/adapters-persistence/MemoryContacts")<
  MemoryContacts,
  MemoryContactState
>() {}

export const makeState = (): MemoryContactState => ({
  contacts: [],
  properties: [],
  events: [],
  segments: [],
  members: [],
  engagement: [],
  nextId: 1,
  nextSegmentId: 1
})

/** Whether a contact is in a segment's audience: its member rows, or its rules by `matches`. */
export const inAudience =
  (state: MemoryContactState, audience: SegmentAudienceOf) =>
  (contact: Contact): boolean => {
    if (audience._tag === "Members")
      return state.members.some((m) => m.segmentId === audience.segmentId && m.contactId === contact.id)
    const lower = contact.email.toLowerCase()
    const events = state.engagement.filter(
      (e) => e.teamId === contact.teamId && e.email.toLowerCase() === lower
    )
    return matches(audience.rules, contact, { now: audience.now, events })
  }

const newestFirst = (a: Contact, b: Contact) => b.createdAt.getTime() - a.createdAt.getTime() || b.id - a.id

/** Contacts in process memory, for tests and tools; same rules as the PostgreSQL one. */
export const make = (state: MemoryContactState) => {
  const find = (teamId: TeamId, test: (c: Contact) => boolean) =>
    state.contacts.find((c) => c.teamId === teamId && test(c))
  const byEmail = (teamId: TeamId, email: string) =>
    find(teamId, (c) => c.email.toLowerCase() === email.toLowerCase())
  const insert = (teamId: TeamId, fields: Parameters<ContactRepository["Type"]["create"]>[1]) => {
    const now = new Date()
    const contact = Contact.make({
      id: state.nextId++ as ContactId,
      publicId: newContactPublicId(),
      teamId,
      ...fields,
      unsubscribedAt: fields.unsubscribed ? now : null,
      engagementSegment: "dormant",
      lastEngagedAt: null,
      createdAt: now,
      updatedAt: now
    })
    state.contacts.push(contact)
    return contact
  }
  const emit = (teamId: TeamId, events: ReadonlyArray<EncodedWebhookEvent>) => {
    for (const e of events) state.events.push({ teamId, ...e })
  }
  return ContactRepository.of({
    create: (teamId, fields, events) =>
      Effect.suspend(() => {
        if (byEmail(teamId, fields.email) !== undefined) return Effect.fail(new ContactAlreadyExists())
        const contact = insert(teamId, fields)
        emit(teamId, events(contact))
        return Effect.succeed(contact)
      }),
    list: (teamId, filter, page, perPage, countUpTo) =>
      Effect.sync(() => {
        const search = filter.search?.toLowerCase() ?? ""
        const matching = state.contacts
          .filter(
            (c) =>
              c.teamId === teamId &&
              (search === "" ||
                [c.email, c.firstName ?? "", c.lastName ?? ""].some((f) =>
                  f.toLowerCase().includes(search)
                )) &&
              (filter.engagementSegment === undefined || c.engagementSegment === filter.engagementSegment) &&
              (filter.unsubscribed === undefined || c.unsubscribed === filter.unsubscribed) &&
              (filter.segment === undefined || inAudience(state, filter.segment)(c))
          )
          .sort(newestFirst)
        return {
          contacts: matching.slice((page - 1) * perPage, page * perPage),
          total: Math.min(matching.length, countUpTo ?? Number.POSITIVE_INFINITY)
        }
      }),
    get: (teamId, id) => Effect.sync(() => Option.fromNullable(find(teamId, (c) => c.publicId === id))),
    getByEmail: (teamId, email) => Effect.sync(() => Option.fromNullable(byEmail(teamId, email))),
    update: (teamId, id, changes, events) =>
      Effect.sync(() => {
        const at = state.contacts.findIndex((c) => c.teamId === teamId && c.publicId === id)
        const current = state.contacts[at]
        if (current === undefined) return Option.none()
        const updated = Contact.make({ ...current, ...changes, updatedAt: new Date() })
        state.contacts[at] = updated
        emit(teamId, events(updated))
        return Option.some(updated)
      }),
    remove: (teamId, id, events) =>
      Effect.sync(() => {
        const at = state.contacts.findIndex((c) => c.teamId === teamId && c.publicId === id)
        const removed = state.contacts[at]
        if (removed === undefined) return Option.none()
        state.contacts.splice(at, 1)
        for (let i = state.members.length - 1; i >= 0; i--)
          if (state.members[i]?.contactId === removed.id) state.members.splice(i, 1)
        emit(teamId, events(removed))
        return Option.some(removed)
      }),
    importMany: (teamId, rows, events) =>
      Effect.sync(() => {
        const skipped: Array<string> = []
        let imported = 0
        for (const row of rows) {
          if (byEmail(teamId, row.email) !== undefined) {
            skipped.push(row.email)
            continue
          }
          emit(teamId, events(insert(teamId, row)))
          imported++
        }
        return { imported, skipped }
      }),
    all: (teamId, segment) =>
      Effect.sync(() =>
        state.contacts
          .filter((c) => c.teamId === teamId && (segment === undefined || inAudience(state, segment)(c)))
          .sort((a, b) => -newestFirst(a, b))
      )
  })
}
