import { type Contact, type TeamId, type Topic, type TopicId, parseTopicParam } from "@poststack/domain"
import { Clock, Effect, Option } from "effect"
import { ContactRepository } from "../../ports/ContactRepository.js"
import { EngagementLog } from "../../ports/EngagementLog.js"
import { TopicRepository } from "../../ports/TopicRepository.js"
import { asOperator } from "../Principal.js"
import { UpdateContact } from "../contacts/UpdateContact.js"
import { recordChoice } from "../topics/ChooseTopic.js"
import type { LinkPath } from "./RecordEngagement.js"
import { verifyLink } from "./RecordEngagement.js"

/** An unsubscribe link as it arrived: its path and the `topic` query parameter it may carry. */
export interface PreferenceLink {
  readonly path: LinkPath
  readonly topic: string | undefined
}

/** What the preference page shows a reader. */
export type PreferencesView =
  | { readonly _tag: "Gone" }
  | {
      readonly _tag: "Preferences"
      readonly recipient: string
      /** The topic the mail was sent for, when the link names one that still exists. */
      readonly linkTopic: Topic | null
      /** Every topic of the team and whether the reader is in it; empty when the reader is no contact. */
      readonly topics: ReadonlyArray<{ readonly topic: Topic; readonly subscribed: boolean }>
    }

/**
 * Checks the link's signature, which covers the topic it names (a link whose topic was changed
 * fails like any forged link), and returns the topic's row id if any.
 */
const verify = (link: PreferenceLink) =>
  Effect.gen(function* () {
    const topicId = parseTopicParam(link.topic)
    // A malformed topic parameter is signed as given, so it can only fail the check below.
    const ref = yield* verifyLink("unsubscribe", link.path, link.topic ?? "")
    return { ref, topicId: topicId === undefined ? undefined : (topicId as TopicId) }
  })

/** The reader of the link as a contact of the email's team, if it is one. */
const readerOf = (link: PreferenceLink) =>
  Effect.gen(function* () {
    const { ref, topicId } = yield* verify(link)
    const reader = yield* (yield* EngagementLog).reader(ref)
    if (Option.isNone(reader)) return Option.none()
    const { teamId, recipient } = reader.value
    const contact = yield* (yield* ContactRepository).getByEmail(teamId, recipient)
    const topic =
      topicId === undefined ? Option.none<Topic>() : yield* (yield* TopicRepository).getById(teamId, topicId)
    return Option.some({ ref, teamId, recipient, contact, topic })
  })

/** The preference page: every topic of the team and whether the reader is in it. A GET changes nothing. */
export const ShowPreferences = Effect.fn("ShowPreferences")(function* (link: PreferenceLink) {
  const found = yield* readerOf(link)
  if (Option.isNone(found)) return { _tag: "Gone" } satisfies PreferencesView
  const { teamId, recipient, contact, topic } = found.value
  const topics = Option.isNone(contact)
    ? []
    : (yield* (yield* TopicRepository).choicesOf(teamId, contact.value.id)).map((c) => ({
        topic: c.topic,
        subscribed: c.subscription?.subscribed ?? true
      }))
  return {
    _tag: "Preferences",
    recipient,
    linkTopic: Option.getOrNull(topic),
    topics
  } satisfies PreferencesView
})

/** The contact opts out of everything: marked unsubscribed (with its events) and suppressed, agreeing. */
const leaveAll = (teamId: TeamId, contact: Option.Option<Contact>) =>
  Option.isNone(contact) || contact.value.unsubscribed
    ? Effect.void
    : UpdateContact(asOperator(teamId), contact.value.publicId, { unsubscribed: true }).pipe(
        // Deleted between the read and the write: the suppression already stops the mail.
        Effect.catchTag("ContactNotFound", () => Effect.void),
        // An operator may act on contacts, and no property value is written: neither can happen.
        Effect.catchTags({ PermissionDenied: Effect.die, PropertyValueInvalid: Effect.die }),
        Effect.asVoid
      )

export type PreferenceOutcome = "unsubscribed" | "left_topic" | "saved" | "gone"

/**
 * Unsubscribes the link's reader. With a link naming a topic that still exists, and a reader who
 * is a contact, only that topic is left (RFC 8058's one-click on topic mail); otherwise, or with
 * `everything`, the reader leaves all mail: suppression with reason `unsubscribe`, the
 * `unsubscribed` event, and the contact marked unsubscribed.
 */
export const UnsubscribeByLink = Effect.fn("UnsubscribeByLink")(function* (
  link: PreferenceLink,
  via: "one_click" | "page",
  everything: boolean
) {
  const found = yield* readerOf(link)
  if (Option.isNone(found)) return "gone" satisfies PreferenceOutcome
  const { ref, teamId, contact, topic } = found.value
  if (!everything && Option.isSome(topic) && Option.isSome(contact)) {
    const left = yield* recordChoice(teamId, topic.value, contact.value, false).pipe(
      Effect.as(true),
      // The topic or contact went away meanwhile: leave everything instead, as without a topic.
      Effect.catchTag("TopicNotFound", () => Effect.succeed(false))
    )
    if (left) return "left_topic" satisfies PreferenceOutcome
  }
  const outcome = yield* (yield* EngagementLog).unsubscribe(
    ref,
    via,
    new Date(yield* Clock.currentTimeMillis)
  )
  if (outcome._tag === "Unknown") return "gone" satisfies PreferenceOutcome
  yield* leaveAll(teamId, contact)
  return "unsubscribed" satisfies PreferenceOutcome
})

/**
 * The page's form: the reader stays in the topics listed in `keep` and leaves the others. Only
 * choices that change are written (each with its `contact.updated` event).
 */
export const SavePreferences = Effect.fn("SavePreferences")(function* (
  link: PreferenceLink,
  keep: ReadonlySet<number>
) {
  const found = yield* readerOf(link)
  if (Option.isNone(found)) return "gone" satisfies PreferenceOutcome
  const { teamId, contact } = found.value
  if (Option.isNone(contact)) return "saved" satisfies PreferenceOutcome
  const topics = yield* TopicRepository
  for (const choice of yield* topics.choicesOf(teamId, contact.value.id)) {
    const subscribed = keep.has(choice.topic.id)
    if ((choice.subscription?.subscribed ?? true) !== subscribed)
      yield* recordChoice(teamId, choice.topic, contact.value, subscribed).pipe(
        Effect.catchTag("TopicNotFound", () => Effect.void)
      )
  }
  return "saved" satisfies PreferenceOutcome
})
