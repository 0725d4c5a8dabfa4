import { HttpApiEndpoint, HttpApiGroup, OpenApi } from "@effect/platform"
import { ContactPublicId, oneLine, TopicPublicId } from "@poststack/domain"
import { Schema } from "effect"
import { ForbiddenJson, NotFoundJson } from "../errors.js"
import { FullAccess } from "../middleware/Authentication.js"
import { Success } from "./common.js"
import { Pagination } from "./DomainsApi.js"
import { DecimalParam, PageParam } from "./params.js"

/** A subscription topic. */
export class TopicView extends Schema.Class<TopicView>("SubscriptionTopic")({
  id: Schema.Int,
  publicId: Schema.String,
  name: Schema.String,
  description: Schema.NullOr(Schema.String),
  createdAt: Schema.Date,
  updatedAt: Schema.Date
}) {}

/**
 * A contact's recorded choice about a topic: G2's fields, plus the public ids and G1's
 * `subscribedAt` (the choice's time while subscribed, else `null`).
 */
export class SubscriptionView extends Schema.Class<SubscriptionView>("ContactSubscription")({
  id: Schema.Int,
  topicId: Schema.Int,
  contactId: Schema.Int,
  topicPublicId: Schema.String,
  contactPublicId: Schema.String,
  subscribed: Schema.Boolean,
  subscribedAt: Schema.NullOr(Schema.Date),
  updatedAt: Schema.Date,
  topic: TopicView
}) {}

/** One row of a topic's subscriber list. */
export const SubscriberView = Schema.Struct({
  contactId: Schema.Int,
  contactPublicId: Schema.String,
  email: Schema.String,
  firstName: Schema.NullOr(Schema.String),
  lastName: Schema.NullOr(Schema.String),
  subscribedAt: Schema.Date
})

// A topic's name is shown to its contacts (the preference page, the mail sent for it): one line.
const Name = Schema.String.pipe(Schema.minLength(1), Schema.maxLength(200), Schema.filter(oneLine))
const Description = Schema.NullOr(Schema.String.pipe(Schema.maxLength(1000)))

export const CreateTopicBody = Schema.Struct({ name: Name, description: Schema.optional(Description) })
export const UpdateTopicBody = Schema.Struct({
  name: Schema.optional(Name),
  description: Schema.optional(Description)
})
/** Only a `top_` id: a numeric one is refused (400), as upstream does. */
export const SubscribeBody = Schema.Struct({
  topicId: TopicPublicId.pipe(Schema.propertySignature, Schema.fromKey("topic_id"))
})

export const TopicEnvelope = Schema.Struct({ topic: TopicView })
/** G2 reads `{subscription}`, G1 the bare object: both at once. */
export const SubscriptionEnvelope = Schema.Struct({
  subscription: SubscriptionView,
  ...SubscriptionView.fields
})
/** G2 reads `{subscription}` (with `subscribed: false`), G1 `{success}`. */
export const UnsubscribedEnvelope = Schema.Struct({
  subscription: SubscriptionView,
  success: Schema.Literal(true)
})

export const SubscribersParams = Schema.Struct({
  page: Schema.optionalWith(PageParam, { default: () => 1 }),
  perPage: Schema.optionalWith(DecimalParam(1, 100, "a page size from 1 to 100"), { default: () => 50 }).pipe(
    Schema.fromKey("per_page")
  ),
  subscribed: Schema.optionalWith(Schema.Literal("true", "false"), { default: () => "true" as const })
})

const idPath = Schema.Struct({ id: TopicPublicId })
const contactPath = Schema.Struct({ contactId: ContactPublicId })

/**
 * `/subscription-topics`: what a team's marketing mail is about, and each contact's choices.
 * Opt-out model: a contact is in every topic it has not left. Static paths come before `/:id`.
 */
export class SubscriptionTopicsApi extends HttpApiGroup.make("subscriptionTopics")
  .add(
    HttpApiEndpoint.get("contactSubscriptions", "/subscription-topics/contacts/:contactId/subscriptions")
      .setPath(contactPath)
      .addSuccess(Schema.Struct({ subscriptions: Schema.Array(SubscriptionView) }))
      .addError(NotFoundJson)
  )
  .add(
    HttpApiEndpoint.post("subscribe", "/subscription-topics/contacts/:contactId/subscriptions")
      .setPath(contactPath)
      .setPayload(SubscribeBody)
      .addSuccess(SubscriptionEnvelope)
      .addError(NotFoundJson)
  )
  .add(
    HttpApiEndpoint.del("unsubscribe", "/subscription-topics/contacts/:contactId/subscriptions/:topicId")
      .setPath(Schema.Struct({ contactId: ContactPublicId, topicId: TopicPublicId }))
      .addSuccess(UnsubscribedEnvelope)
      .addError(NotFoundJson)
  )
  .add(
    HttpApiEndpoint.get("list", "/subscription-topics").addSuccess(
      Schema.Struct({ topics: Schema.Array(TopicView) })
    )
  )
  .add(
    HttpApiEndpoint.post("create", "/subscription-topics")
      .setPayload(CreateTopicBody)
      .addSuccess(TopicEnvelope, { status: 201 })
  )
  .add(
    HttpApiEndpoint.get("get", "/subscription-topics/:id")
      .setPath(idPath)
      .addSuccess(
        Schema.Struct({ topic: TopicView, subscriberCount: Schema.Int, unsubscribedCount: Schema.Int })
      )
      .addError(NotFoundJson)
  )
  .add(
    HttpApiEndpoint.patch("update", "/subscription-topics/:id")
      .setPath(idPath)
      .setPayload(UpdateTopicBody)
      .addSuccess(TopicEnvelope)
      .addError(NotFoundJson)
  )
  .add(
    HttpApiEndpoint.del("delete", "/subscription-topics/:id")
      .setPath(idPath)
      .addSuccess(Success)
      .addError(NotFoundJson)
  )
  .add(
    HttpApiEndpoint.get("subscribers", "/subscription-topics/:id/subscribers")
      .setPath(idPath)
      .setUrlParams(SubscribersParams)
      .addSuccess(Schema.Struct({ data: Schema.Array(SubscriberView), meta: Pagination }))
      .addError(NotFoundJson)
  )
  .addError(ForbiddenJson)
  .middleware(FullAccess)
  .annotate(OpenApi.Title, "Subscription topics") {}
