import {
  type Contact,
  type ContactProperty,
  confirmable,
  contactEvent,
  coerceValue,
  type PropertyValues,
  type SegmentPublicId,
  type SignupForm,
  SignupConfirmationInvalid,
  type SignupSubmission,
  type SubmissionPublicId,
  TopicPublicId
} from "@poststack/domain"
import { Effect, Either, Option, Schema } from "effect"
import { ContactPropertyRepository } from "../../ports/ContactPropertyRepository.js"
import { type ContactChanges, ContactRepository } from "../../ports/ContactRepository.js"
import { SegmentRepository } from "../../ports/SegmentRepository.js"
import { SignupAudience } from "../../ports/SignupAudience.js"
import { SignupFormRepository } from "../../ports/SignupFormRepository.js"
import { SuppressionList } from "../../ports/SuppressionList.js"
import { TopicRepository } from "../../ports/TopicRepository.js"
import { recordChoice } from "../topics/ChooseTopic.js"
import { confirmationSigned } from "./confirmationLink.js"

/**
 * The values still fitting the team's properties: one deleted or retyped since the submission is
 * dropped rather than failing a confirmation the visitor cannot fix.
 */
const stillValid = (definitions: ReadonlyArray<ContactProperty>, values: PropertyValues): PropertyValues => {
  const kept: Record<string, unknown> = {}
  for (const property of definitions) {
    if (values[property.name] === undefined) continue
    const coerced = coerceValue(property, values[property.name])
    if (Either.isRight(coerced) && coerced.right !== null) kept[property.name] = coerced.right
  }
  return kept
}

/**
 * The contact the confirmation makes subscribed: created with what was submitted, or, for an
 * address the team already has, updated with it and opted back in (the person just asked to be;
 * an `unsubscribe` suppression is lifted, a bounce or complaint stays).
 */
const subscribe = (submission: SignupSubmission) =>
  Effect.gen(function* () {
    const { teamId } = submission
    const contacts = yield* ContactRepository
    const properties = stillValid(
      yield* (yield* ContactPropertyRepository).list(teamId),
      submission.properties
    )
    const existing = yield* contacts.getByEmail(teamId, submission.email)
    if (Option.isNone(existing)) {
      const created = yield* contacts
        .create(
          teamId,
          {
            email: submission.email,
            firstName: submission.firstName,
            lastName: submission.lastName,
            unsubscribed: false,
            properties
          },
          (c) => [contactEvent("contact.created", c)]
        )
        .pipe(Effect.option)
      if (Option.isSome(created)) return created.value
    }
    // Present, or created by a racing confirmation of the same address a moment ago.
    const current = Option.isSome(existing) ? existing : yield* contacts.getByEmail(teamId, submission.email)
    if (Option.isNone(current)) return yield* new SignupConfirmationInvalid()
    const changes: { -readonly [K in keyof ContactChanges]: ContactChanges[K] } = {
      properties: { ...current.value.properties, ...properties },
      unsubscribed: false,
      unsubscribedAt: null
    }
    if (submission.firstName !== null) changes.firstName = submission.firstName
    if (submission.lastName !== null) changes.lastName = submission.lastName
    const updated = yield* contacts.update(teamId, current.value.publicId, changes, (c) => [
      contactEvent("contact.updated", c)
    ])
    if (Option.isNone(updated)) return yield* new SignupConfirmationInvalid()
    const suppressions = yield* SuppressionList
    const entry = (yield* suppressions.reasons(teamId, [submission.email])).get(
      submission.email.toLowerCase()
    )
    if (entry?.reason === "unsubscribe") yield* suppressions.remove(teamId, submission.email)
    return updated.value satisfies Contact
  })

/**
 * Adds the contact to the form's segment. A segment deleted, or given rules, since the form named
 * it is passed over: the visitor confirmed, and their subscription stands.
 */
const joinSegment = (form: SignupForm, contact: Contact) =>
  Effect.gen(function* () {
    if (form.segmentId === null) return
    const segments = yield* SegmentRepository
    const segment = yield* segments.get(form.teamId, form.segmentId as SegmentPublicId)
    if (Option.isNone(segment) || segment.value.rules !== null)
      return yield* Effect.logWarning("signup confirmed: the form's segment is gone or has rules").pipe(
        Effect.annotateLogs("segmentId", form.segmentId)
      )
    yield* segments.addMembers(form.teamId, segment.value.id, [contact.publicId])
  })

/**
 * Records the form's topic as the contact's choice, with its `contact.updated` event naming the
 * topic: webhooks hear of it, and the team's `contact.subscribed` workflows start. A topic deleted
 * since is passed over, as `SignupAudience.join` does.
 */
const announceSubscription = (form: SignupForm, contact: Contact) =>
  Effect.gen(function* () {
    if (form.topicId === null || !Schema.is(TopicPublicId)(form.topicId)) return
    const topic = yield* (yield* TopicRepository).get(form.teamId, form.topicId)
    if (Option.isNone(topic)) return
    yield* recordChoice(form.teamId, topic.value, contact, true).pipe(
      Effect.catchTag("TopicNotFound", () => Effect.void)
    )
  })

/**
 * Follows a confirmation link: a signature this server made, for a submission of a form that still
 * exists and is active, within seven days. The contact is created or opted in, added to the form's
 * segment and topic, and the submission marked confirmed; following the link again changes nothing.
 */
export const ConfirmSignup = Effect.fn("ConfirmSignup")(function* (
  id: SubmissionPublicId,
  signature: string,
  now: Date = new Date()
) {
  const { submission, form } = yield* CheckSignupLink(id, signature, now)
  if (submission.confirmedAt !== null) return form
  const contact = yield* subscribe(submission)
  yield* joinSegment(form, contact)
  yield* (yield* SignupAudience).join(form, contact)
  yield* announceSubscription(form, contact)
  yield* (yield* SignupFormRepository).markConfirmed(id, now)
  return form
})

/**
 * A confirmation link that can be followed: signed by this server, for a submission of a form that
 * still exists and is active, confirmed already or within its seven days.
 */
export const CheckSignupLink = Effect.fn("CheckSignupLink")(function* (
  id: SubmissionPublicId,
  signature: string,
  now: Date = new Date()
) {
  if (!(yield* confirmationSigned(id, signature))) return yield* new SignupConfirmationInvalid()
  const found = yield* (yield* SignupFormRepository).findSubmission(id)
  if (Option.isNone(found)) return yield* new SignupConfirmationInvalid()
  const { submission } = found.value
  if (submission.confirmedAt === null && !confirmable(submission, now))
    return yield* new SignupConfirmationInvalid()
  return found.value
})
