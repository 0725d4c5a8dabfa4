import type {
  Contact,
  ContactId,
  EncodedWebhookEvent,
  TeamId,
  Topic,
  TopicCounts,
  TopicId,
  TopicPublicId,
  TopicSubscription
} from "@poststack/domain"
import { Context, type Effect, type Option } from "effect"
import type { StoreUnavailable } from "./StoreUnavailable.js"

/** A contact in a topic's subscriber list, with when it joined (or left, in the opted-out list). */
export interface TopicSubscriber {
  readonly contact: Contact
  /** The recorded choice's time; for a contact that never chose, when the contact was created. */
  readonly since: Date
}

/** One topic of the team with a contact's recorded choice about it (`null`: none, so subscribed). */
export interface TopicChoice {
  readonly topic: Topic
  readonly subscription: TopicSubscription | null
}

/**
 * A team's subscription topics and its contacts' choices about them. Opt-out model: a contact is
 * subscribed to every topic unless it has opted out of it. Another team's topics and contacts are
 * never found. Tables (for set-wise sends): `subscription_topics`, `topic_subscriptions`.
 */
export class TopicRepository extends Context.Tag("@poststack/application/TopicRepository")<
  TopicRepository,
  {
    /** Oldest first. */
    readonly list: (teamId: TeamId) => Effect.Effect<ReadonlyArray<Topic>, StoreUnavailable>
    readonly create: (
      teamId: TeamId,
      topic: { readonly name: string; readonly description: string | null }
    ) => Effect.Effect<Topic, StoreUnavailable>
    readonly get: (teamId: TeamId, id: TopicPublicId) => Effect.Effect<Option.Option<Topic>, StoreUnavailable>
    /** By row id (what a signed unsubscribe link carries). */
    readonly getById: (teamId: TeamId, id: TopicId) => Effect.Effect<Option.Option<Topic>, StoreUnavailable>
    /** Applies the changes (and bumps `updatedAt`); `None` when the topic is gone. */
    readonly update: (
      teamId: TeamId,
      id: TopicPublicId,
      changes: { readonly name?: string; readonly description?: string | null }
    ) => Effect.Effect<Option.Option<Topic>, StoreUnavailable>
    /** Removes the topic and every choice about it (contacts stay); `false` when there was none. */
    readonly remove: (teamId: TeamId, id: TopicPublicId) => Effect.Effect<boolean, StoreUnavailable>
    /**
     * Contacts the topic's mail would reach (in the topic: no choice, or opted back in; and not
     * unsubscribed from everything nor suppressed), and contacts that opted out of it.
     */
    readonly counts: (teamId: TeamId, id: TopicId) => Effect.Effect<TopicCounts, StoreUnavailable>
    /**
     * One page of the topic's subscribers (`subscribed`), or of the contacts that opted out of it,
     * oldest contact first, with the total.
     */
    readonly subscribers: (
      teamId: TeamId,
      id: TopicId,
      subscribed: boolean,
      page: number,
      perPage: number
    ) => Effect.Effect<
      { readonly subscribers: ReadonlyArray<TopicSubscriber>; readonly total: number },
      StoreUnavailable
    >
    /** Every topic of the team, oldest first, with the contact's recorded choice about it. */
    readonly choicesOf: (
      teamId: TeamId,
      contactId: ContactId
    ) => Effect.Effect<ReadonlyArray<TopicChoice>, StoreUnavailable>
    /**
     * Records the contact's choice about the topic (replacing an earlier one) and writes the
     * events built by the caller in the same transaction; `None` (nothing written) when the topic
     * or the contact is gone.
     */
    readonly choose: (
      teamId: TeamId,
      topicId: TopicId,
      contact: Contact,
      subscribed: boolean,
      events: ReadonlyArray<EncodedWebhookEvent>
    ) => Effect.Effect<Option.Option<TopicSubscription>, StoreUnavailable>
    /** Which of the contacts opted out of the topic (for sends deciding in memory; SQL sends join instead). */
    readonly optedOut: (
      teamId: TeamId,
      topicId: TopicId,
      contactIds: ReadonlyArray<ContactId>
    ) => Effect.Effect<ReadonlySet<ContactId>, StoreUnavailable>
  }
>() {}
