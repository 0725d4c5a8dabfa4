import {
  fieldsProblem,
  type SegmentPublicId,
  SegmentNotFound,
  SegmentNotManual,
  type SignupForm,
  SignupFormNotFound,
  type SignupFormField,
  type SignupFormPublicId,
  type TeamId,
  TopicNotFound,
  type TopicPublicId,
  ValidationFailed
} from "@poststack/domain"
import { Effect, Option } from "effect"
import { SegmentRepository } from "../../ports/SegmentRepository.js"
import { type SignupFormChanges, SignupFormRepository } from "../../ports/SignupFormRepository.js"
import { TopicRepository } from "../../ports/TopicRepository.js"
import { authorize, type Principal } from "../Principal.js"

export interface SignupFormInput {
  readonly name: string
  readonly segmentId?: string | null | undefined
  readonly topicId?: string | null | undefined
  readonly fields: ReadonlyArray<SignupFormField>
  readonly successMessage?: string | null | undefined
  readonly redirectUrl?: string | null | undefined
}

export interface SignupFormUpdate {
  readonly name?: string | undefined
  readonly segmentId?: string | null | undefined
  readonly topicId?: string | null | undefined
  readonly fields?: ReadonlyArray<SignupFormField> | undefined
  readonly successMessage?: string | null | undefined
  readonly redirectUrl?: string | null | undefined
  readonly active?: boolean | undefined
}

/** A redirect target a visitor's browser may be sent to: an absolute http(s) URL. */
const redirectProblem = (url: string): string | undefined => {
  try {
    const parsed = new URL(url)
    return parsed.protocol === "http:" || parsed.protocol === "https:"
      ? undefined
      : "redirect_url must be an http or https URL"
  } catch {
    return "redirect_url must be an absolute URL"
  }
}

const check = (teamId: TeamId, input: SignupFormUpdate) =>
  Effect.gen(function* () {
    if (input.name !== undefined && input.name.trim() === "")
      return yield* new ValidationFailed({ message: "name must not be empty" })
    const fields = input.fields === undefined ? undefined : fieldsProblem(input.fields)
    if (fields !== undefined) return yield* new ValidationFailed({ message: fields })
    const redirect =
      input.redirectUrl === undefined || input.redirectUrl === null
        ? undefined
        : redirectProblem(input.redirectUrl)
    if (redirect !== undefined) return yield* new ValidationFailed({ message: redirect })
    // The form adds confirmed contacts to its segment: one of the team's, and a manual one.
    if (input.segmentId !== undefined && input.segmentId !== null) {
      const segment = yield* (yield* SegmentRepository).get(teamId, input.segmentId as SegmentPublicId)
      if (Option.isNone(segment)) return yield* new SegmentNotFound()
      if (segment.value.rules !== null) return yield* new SegmentNotManual()
    }
    // ... and subscribes them to its topic: one of the team's.
    if (input.topicId !== undefined && input.topicId !== null) {
      const topic = yield* (yield* TopicRepository).get(teamId, input.topicId as TopicPublicId)
      if (Option.isNone(topic)) return yield* new TopicNotFound()
    }
  })

/** A form with the row id of its segment (`null` when it has none, or the segment is gone). */
export interface SignupFormRead {
  readonly form: SignupForm
  readonly segmentRowId: number | null
}

/** Reads the team's segments once to give each form its segment's row id, as the wire shows it. */
export const withSegmentIds = (teamId: TeamId, forms: ReadonlyArray<SignupForm>) =>
  Effect.gen(function* () {
    if (forms.every((f) => f.segmentId === null)) return forms.map((form) => ({ form, segmentRowId: null }))
    const segments = yield* (yield* SegmentRepository).list(teamId)
    const ids = new Map(segments.map((s) => [s.publicId as string, s.id as number]))
    return forms.map(
      (form): SignupFormRead => ({
        form,
        segmentRowId: form.segmentId === null ? null : (ids.get(form.segmentId) ?? null)
      })
    )
  })

const readOne = (teamId: TeamId, form: SignupForm) =>
  Effect.map(withSegmentIds(teamId, [form]), (reads) => reads[0] as SignupFormRead)

/** A new form of the team; its segment and topic are kept by their public ids. */
export const CreateSignupForm = Effect.fn("CreateSignupForm")(function* (
  principal: Principal,
  input: SignupFormInput
) {
  const { teamId } = yield* authorize(principal, "signupForms")
  yield* check(teamId, input)
  const created = yield* (yield* SignupFormRepository).create(teamId, {
    name: input.name.trim(),
    segmentId: input.segmentId ?? null,
    topicId: input.topicId ?? null,
    fields: input.fields,
    successMessage: input.successMessage ?? null,
    redirectUrl: input.redirectUrl ?? null
  })
  return yield* readOne(teamId, created)
})

/** A page of the team's forms, newest first. */
export const ListSignupForms = Effect.fn("ListSignupForms")(function* (
  principal: Principal,
  page: number,
  perPage: number
) {
  const { teamId } = yield* authorize(principal, "signupForms")
  const { forms, total } = yield* (yield* SignupFormRepository).list(teamId, page, perPage)
  return { forms: yield* withSegmentIds(teamId, forms), total }
})

/** One form by its `sf_` id; another team's is not found. */
export const GetSignupForm = Effect.fn("GetSignupForm")(function* (
  principal: Principal,
  id: SignupFormPublicId
) {
  const { teamId } = yield* authorize(principal, "signupForms")
  const found = yield* (yield* SignupFormRepository).get(teamId, id)
  if (Option.isNone(found)) return yield* new SignupFormNotFound()
  return yield* readOne(teamId, found.value)
})

/** A partial update; `null` clears the segment, the topic, the message or the redirect. */
export const UpdateSignupForm = Effect.fn("UpdateSignupForm")(function* (
  principal: Principal,
  id: SignupFormPublicId,
  input: SignupFormUpdate
) {
  const { teamId } = yield* authorize(principal, "signupForms")
  yield* check(teamId, input)
  const changes: { -readonly [K in keyof SignupFormChanges]: SignupFormChanges[K] } = {}
  if (input.name !== undefined) changes.name = input.name.trim()
  if (input.segmentId !== undefined) changes.segmentId = input.segmentId
  if (input.topicId !== undefined) changes.topicId = input.topicId
  if (input.fields !== undefined) changes.fields = input.fields
  if (input.successMessage !== undefined) changes.successMessage = input.successMessage
  if (input.redirectUrl !== undefined) changes.redirectUrl = input.redirectUrl
  if (input.active !== undefined) changes.active = input.active
  const updated = yield* (yield* SignupFormRepository).update(teamId, id, changes)
  if (Option.isNone(updated)) return yield* new SignupFormNotFound()
  return yield* readOne(teamId, updated.value)
})

/** Deletes the form: its submissions stop at once (404), and its pending confirmation links with it. */
export const DeleteSignupForm = Effect.fn("DeleteSignupForm")(function* (
  principal: Principal,
  id: SignupFormPublicId
) {
  const { teamId } = yield* authorize(principal, "signupForms")
  if (!(yield* (yield* SignupFormRepository).remove(teamId, id))) return yield* new SignupFormNotFound()
})
