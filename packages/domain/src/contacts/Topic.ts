import { Schema } from "effect"

/** A subscription topic's row id. */
export const TopicId = Schema.Int.pipe(Schema.brand("TopicId"))
export type TopicId = typeof TopicId.Type

/**
 * A topic's public id, `top_` and 24 lower-case hex digits: what every route takes. A bare number
 * is not one (400), as upstream refuses numeric topic ids.
 */
export const TopicPublicId = Schema.String.pipe(
  Schema.pattern(/^top_[0-9a-f]{24}$/),
  Schema.brand("TopicPublicId")
)
export type TopicPublicId = typeof TopicPublicId.Type

/** What a team's mail can be about, which a contact may leave without leaving everything. */
export class Topic extends Schema.Class<Topic>("Topic")({
  id: TopicId,
  publicId: TopicPublicId,
  teamId: Schema.Int,
  name: Schema.String,
  description: Schema.NullOr(Schema.String),
  createdAt: Schema.Date,
  updatedAt: Schema.Date
}) {}

/**
 * A contact's explicit choice about one topic. The model is opt-out: a contact with no choice
 * recorded is subscribed, so only opting out (or back in) writes one of these.
 */
export class TopicSubscription extends Schema.Class<TopicSubscription>("TopicSubscription")({
  id: Schema.Int,
  topicId: TopicId,
  contactId: Schema.Int,
  subscribed: Schema.Boolean,
  updatedAt: Schema.Date
}) {}

/** How many of the team's contacts are in, and explicitly out of, a topic. */
export interface TopicCounts {
  readonly subscribed: number
  readonly unsubscribed: number
}

/** A new topic's public id. */
export const newTopicPublicId = (): TopicPublicId =>
  `top_${crypto.randomUUID().replaceAll("-", "").slice(0, 24)}` as TopicPublicId

/** No topic of that id in the team (another team's topics are absent too). */
export class TopicNotFound extends Schema.TaggedError<TopicNotFound>()("TopicNotFound", {}) {
  override get message() {
    return "Subscription topic not found"
  }
}
