import { HttpApiBuilder } from "@effect/platform"
import {
  ChooseTopic,
  CreateTopic,
  DeleteTopic,
  GetContactSubscriptions,
  GetTopic,
  ListTopicSubscribers,
  ListTopics,
  UpdateTopic
} from "@poststack/application"
import { Api, CurrentPrincipal, SubscriptionView, TopicView } from "@poststack/contract"
import type { Contact, Topic, TopicSubscription } from "@poststack/domain"
import { Effect } from "effect"

export const topicView = (t: Topic) =>
  TopicView.make(
    {
      id: t.id,
      publicId: t.publicId,
      name: t.name,
      description: t.description,
      createdAt: t.createdAt,
      updatedAt: t.updatedAt
    },
    { disableValidation: true }
  )

const subscriptionView = (topic: Topic, contact: Contact, s: TopicSubscription) =>
  SubscriptionView.make(
    {
      id: s.id,
      topicId: topic.id,
      contactId: contact.id,
      topicPublicId: topic.publicId,
      contactPublicId: contact.publicId,
      subscribed: s.subscribed,
      subscribedAt: s.subscribed ? s.updatedAt : null,
      updatedAt: s.updatedAt,
      topic: topicView(topic)
    },
    { disableValidation: true }
  )

export const SubscriptionTopicsLive = HttpApiBuilder.group(Api, "subscriptionTopics", (handlers) =>
  handlers
    .handle("contactSubscriptions", ({ path }) =>
      Effect.flatMap(CurrentPrincipal, (caller) => GetContactSubscriptions(caller, path.contactId)).pipe(
        Effect.map(({ contact, subscriptions }) => ({
          subscriptions: subscriptions.map((s) => subscriptionView(s.topic, contact, s.subscription))
        }))
      )
    )
    .handle("subscribe", ({ path, payload }) =>
      Effect.gen(function* () {
        const caller = yield* CurrentPrincipal
        const { topic, contact, subscription } = yield* ChooseTopic(
          caller,
          path.contactId,
          payload.topicId,
          true
        )
        const view = subscriptionView(topic, contact, subscription)
        return { subscription: view, ...view }
      })
    )
    .handle("unsubscribe", ({ path }) =>
      Effect.gen(function* () {
        const caller = yield* CurrentPrincipal
        const { topic, contact, subscription } = yield* ChooseTopic(
          caller,
          path.contactId,
          path.topicId,
          false
        )
        return { subscription: subscriptionView(topic, contact, subscription), success: true as const }
      })
    )
    .handle("list", () =>
      Effect.flatMap(CurrentPrincipal, ListTopics).pipe(
        Effect.map((topics) => ({ topics: topics.map(topicView) }))
      )
    )
    .handle("create", ({ payload }) =>
      Effect.flatMap(CurrentPrincipal, (caller) => CreateTopic(caller, payload)).pipe(
        Effect.map((topic) => ({ topic: topicView(topic) }))
      )
    )
    .handle("get", ({ path }) =>
      Effect.flatMap(CurrentPrincipal, (caller) => GetTopic(caller, path.id)).pipe(
        Effect.map(({ topic, counts }) => ({
          topic: topicView(topic),
          subscriberCount: counts.subscribed,
          unsubscribedCount: counts.unsubscribed
        }))
      )
    )
    .handle("update", ({ path, payload }) =>
      Effect.flatMap(CurrentPrincipal, (caller) => UpdateTopic(caller, path.id, payload)).pipe(
        Effect.map((topic) => ({ topic: topicView(topic) }))
      )
    )
    .handle("delete", ({ path }) =>
      Effect.flatMap(CurrentPrincipal, (caller) => DeleteTopic(caller, path.id)).pipe(
        Effect.as({ success: true as const, deleted: true as const })
      )
    )
    .handle("subscribers", ({ path, urlParams }) =>
      Effect.gen(function* () {
        const caller = yield* CurrentPrincipal
        const { subscribers, total } = yield* ListTopicSubscribers(
          caller,
          path.id,
          urlParams.subscribed === "true",
          urlParams.page,
          urlParams.perPage
        )
        return {
          data: subscribers.map(({ contact, since }) => ({
            contactId: contact.id,
            contactPublicId: contact.publicId,
            email: contact.email,
            firstName: contact.firstName,
            lastName: contact.lastName,
            subscribedAt: since
          })),
          meta: {
            page: urlParams.page,
            perPage: urlParams.perPage,
            total,
            totalPages: Math.ceil(total / urlParams.perPage)
          }
        }
      })
    )
)
