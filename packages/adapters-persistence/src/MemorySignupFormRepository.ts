import { SignupFormRepository } from "@poststack/application"
import {
  newSignupFormPublicId,
  newSubmissionPublicId,
  SignupForm,
  type SignupFormId,
  SignupSubmission,
  type TeamId
} from "@poststack/domain"
import { Effect, Layer, Option } from "effect"

/** Signup forms and pending submissions in process memory; same rules as the PostgreSQL one. */
export const make = () => {
  const forms: Array<SignupForm> = []
  const submissions: Array<SignupSubmission> = []
  let nextId = 1
  const at = (teamId: TeamId, id: string) => forms.findIndex((f) => f.teamId === teamId && f.publicId === id)
  const newestFirst = (a: SignupForm, b: SignupForm) =>
    b.createdAt.getTime() - a.createdAt.getTime() || b.id - a.id

  return SignupFormRepository.of({
    create: (teamId, fields) =>
      Effect.sync(() => {
        const now = new Date()
        const form = SignupForm.make({
          id: nextId++ as SignupFormId,
          publicId: newSignupFormPublicId(),
          teamId,
          ...fields,
          active: true,
          submissionCount: 0,
          createdAt: now,
          updatedAt: now
        })
        forms.push(form)
        return form
      }),
    list: (teamId, page, perPage) =>
      Effect.sync(() => {
        const mine = forms.filter((f) => f.teamId === teamId).sort(newestFirst)
        return { forms: mine.slice((page - 1) * perPage, page * perPage), total: mine.length }
      }),
    get: (teamId, id) => Effect.sync(() => Option.fromNullable(forms[at(teamId, id)])),
    update: (teamId, id, changes) =>
      Effect.sync(() => {
        const i = at(teamId, id)
        const current = forms[i]
        if (current === undefined) return Option.none()
        const defined = Object.fromEntries(Object.entries(changes).filter(([, v]) => v !== undefined))
        const updated = SignupForm.make({ ...current, ...defined, updatedAt: new Date() })
        forms[i] = updated
        return Option.some(updated)
      }),
    remove: (teamId, id) =>
      Effect.sync(() => {
        const i = at(teamId, id)
        const removed = forms[i]
        if (removed === undefined) return false
        forms.splice(i, 1)
        for (let s = submissions.length - 1; s >= 0; s--)
          if (submissions[s]?.formId === removed.id) submissions.splice(s, 1)
        return true
      }),
    findActive: (id) =>
      Effect.sync(() => Option.fromNullable(forms.find((f) => f.publicId === id && f.active))),
    submit: (form, fields) =>
      Effect.sync(() => {
        const i = forms.findIndex((f) => f.id === form.id && f.active)
        const current = forms[i]
        if (current === undefined) return Option.none()
        forms[i] = SignupForm.make({ ...current, submissionCount: current.submissionCount + 1 })
        const submission = SignupSubmission.make({
          publicId: newSubmissionPublicId(),
          formId: current.id,
          teamId: current.teamId,
          ...fields,
          createdAt: new Date(),
          confirmedAt: null
        })
        submissions.push(submission)
        return Option.some(submission)
      }),
    findSubmission: (id) =>
      Effect.sync(() => {
        const submission = submissions.find((s) => s.publicId === id)
        const form = forms.find((f) => f.id === submission?.formId && f.active)
        return submission === undefined || form === undefined
          ? Option.none()
          : Option.some({ submission, form })
      }),
    markConfirmed: (id, confirmedAt) =>
      Effect.sync(() => {
        const i = submissions.findIndex((s) => s.publicId === id && s.confirmedAt === null)
        const current = submissions[i]
        if (current === undefined) return false
        submissions[i] = SignupSubmission.make({ ...current, confirmedAt })
        return true
      }),
    purgeUnconfirmedBefore: (before, limit) =>
      Effect.sync(() => {
        const expired = submissions
          .filter((s) => s.confirmedAt === null && s.createdAt < before)
          .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime())
          .slice(0, limit)
        for (const gone of expired) submissions.splice(submissions.indexOf(gone), 1)
        return expired.length
      })
  })
}

export const layer = Layer.sync(SignupFormRepository, make)
