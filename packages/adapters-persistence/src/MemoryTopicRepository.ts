import { TopicRepository } from "@poststack/application"
import {
  type Contact,
  type ContactId,
  type EncodedWebhookEvent,
  newTopicPublicId,
  type TeamId,
  Topic,
  type TopicId,
  TopicSubscription
} from "@poststack/domain"
import { Effect, Option } from "effect"
import type { MemoryContactState } from "./MemoryContactRepository.js"

interface Choice {
  readonly teamId: TeamId
  readonly subscription: TopicSubscription
}

const oldestFirst = (a: Contact, b: Contact) => a.createdAt.getTime() - b.createdAt.getTime() || a.id - b.id

/**
 * Topics in process memory over the memory contacts' state (a deleted contact's choices go with
 * it, as the foreign key does in PostgreSQL); same rules as `PgTopicRepository`.
 */
export const make = (contacts: MemoryContactState) => {
  const topics: Array<Topic> = []
  let choices: Array<Choice> = []
  let nextId = 1
  const emit = (teamId: TeamId, events: ReadonlyArray<EncodedWebhookEvent>) => {
    for (const e of events) contacts.events.push({ teamId, ...e })
  }
  const live = () => {
    const ids = new Set(contacts.contacts.map((c) => c.id as number))
    choices = choices.filter((c) => ids.has(c.subscription.contactId))
    return choices
  }
  const choiceOf = (topicId: TopicId, contactId: number) =>
    live().find((c) => c.subscription.topicId === topicId && c.subscription.contactId === contactId)
  const members = (teamId: TeamId, topicId: TopicId, subscribed: boolean) =>
    contacts.contacts
      .filter((c) => c.teamId === teamId)
      .map((contact) => ({ contact, choice: choiceOf(topicId, contact.id) }))
      .filter(({ choice }) =>
        choice === undefined ? subscribed : choice.subscription.subscribed === subscribed
      )
  const at = (teamId: TeamId, test: (t: Topic) => boolean) =>
    topics.findIndex((t) => t.teamId === teamId && test(t))

  return TopicRepository.of({
    list: (teamId) => Effect.sync(() => topics.filter((t) => t.teamId === teamId)),
    create: (teamId, fields) =>
      Effect.sync(() => {
        const now = new Date()
        const topic = Topic.make({
          id: nextId++ as TopicId,
          publicId: newTopicPublicId(),
          teamId,
          name: fields.name,
          description: fields.description,
          createdAt: now,
          updatedAt: now
        })
        topics.push(topic)
        return topic
      }),
    get: (teamId, id) => Effect.sync(() => Option.fromNullable(topics[at(teamId, (t) => t.publicId === id)])),
    getById: (teamId, id) => Effect.sync(() => Option.fromNullable(topics[at(teamId, (t) => t.id === id)])),
    update: (teamId, id, changes) =>
      Effect.sync(() => {
        const i = at(teamId, (t) => t.publicId === id)
        const current = topics[i]
        if (current === undefined) return Option.none()
        const updated = Topic.make({
          ...current,
          name: changes.name ?? current.name,
          description: changes.description === undefined ? current.description : changes.description,
          updatedAt: new Date()
        })
        topics[i] = updated
        return Option.some(updated)
      }),
    remove: (teamId, id) =>
      Effect.sync(() => {
        const i = at(teamId, (t) => t.publicId === id)
        const removed = topics[i]
        if (removed === undefined) return false
        topics.splice(i, 1)
        choices = choices.filter((c) => c.subscription.topicId !== removed.id)
        return true
      }),
    counts: (teamId, id) =>
      Effect.sync(() => ({
        // The suppression list is not in this state; the contact's own flag is (see PgTopicRepository).
        subscribed: members(teamId, id, true).filter(({ contact }) => !contact.unsubscribed).length,
        unsubscribed: members(teamId, id, false).length
      })),
    subscribers: (teamId, id, subscribed, page, perPage) =>
      Effect.sync(() => {
        const all = members(teamId, id, subscribed).sort((a, b) => oldestFirst(a.contact, b.contact))
        return {
          subscribers: all.slice((page - 1) * perPage, page * perPage).map(({ contact, choice }) => ({
            contact,
            since: choice?.subscription.updatedAt ?? contact.createdAt
          })),
          total: all.length
        }
      }),
    choicesOf: (teamId, contactId) =>
      Effect.sync(() =>
        topics
          .filter((t) => t.teamId === teamId)
          .map((topic) => ({
            topic,
            subscription: contacts.contacts.some((c) => c.id === contactId && c.teamId === teamId)
              ? (choiceOf(topic.id, contactId)?.subscription ?? null)
              : null
          }))
      ),
    choose: (teamId, topicId, contact, subscribed, events) =>
      Effect.sync(() => {
        const topicIsTeams = topics.some((t) => t.id === topicId && t.teamId === teamId)
        const contactIsTeams = contacts.contacts.some((c) => c.id === contact.id && c.teamId === teamId)
        if (!topicIsTeams || !contactIsTeams) return Option.none()
        const earlier = choiceOf(topicId, contact.id)
        const subscription = TopicSubscription.make({
          id: earlier?.subscription.id ?? nextId++,
          topicId,
          contactId: contact.id,
          subscribed,
          updatedAt: new Date()
        })
        choices = [...choices.filter((c) => c !== earlier), { teamId, subscription }]
        emit(teamId, events)
        return Option.some(subscription)
      }),
    optedOut: (teamId, topicId, contactIds) =>
      Effect.sync(() => {
        const wanted = new Set<number>(contactIds)
        return new Set(
          live()
            .filter(
              (c) =>
                c.teamId === teamId &&
                c.subscription.topicId === topicId &&
                !c.subscription.subscribed &&
                wanted.has(c.subscription.contactId)
            )
            .map((c) => c.subscription.contactId as ContactId)
        )
      })
  })
}
