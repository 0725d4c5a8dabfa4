import type {
  PropertyValues,
  SignupForm,
  SignupFormField,
  SignupFormPublicId,
  SignupSubmission,
  SubmissionPublicId,
  TeamId
} from "@poststack/domain"
import { Context, type Effect, type Option } from "effect"
import type { StoreUnavailable } from "./StoreUnavailable.js"

/** What a new form holds. */
export interface NewSignupForm {
  readonly name: string
  readonly segmentId: string | null
  readonly topicId: string | null
  readonly fields: ReadonlyArray<SignupFormField>
  readonly successMessage: string | null
  readonly redirectUrl: string | null
}

/** The fields a partial update may change. */
export type SignupFormChanges = Partial<NewSignupForm & { readonly active: boolean }>

/** A visitor's submission as it waits for confirmation. */
export interface NewSubmission {
  readonly email: string
  readonly firstName: string | null
  readonly lastName: string | null
  readonly properties: PropertyValues
}

/**
 * A team's signup forms and the submissions waiting for their confirmation. Deleting a form
 * deletes its pending submissions: their links stop working with it.
 */
export class SignupFormRepository extends Context.Tag("@poststack/application/SignupFormRepository")<
  SignupFormRepository,
  {
    readonly create: (teamId: TeamId, form: NewSignupForm) => Effect.Effect<SignupForm, StoreUnavailable>
    /** Newest first, with the team's total. */
    readonly list: (
      teamId: TeamId,
      page: number,
      perPage: number
    ) => Effect.Effect<
      { readonly forms: ReadonlyArray<SignupForm>; readonly total: number },
      StoreUnavailable
    >
    readonly get: (
      teamId: TeamId,
      id: SignupFormPublicId
    ) => Effect.Effect<Option.Option<SignupForm>, StoreUnavailable>
    /** Applies the changes (and bumps `updatedAt`); `None` when the form is gone. */
    readonly update: (
      teamId: TeamId,
      id: SignupFormPublicId,
      changes: SignupFormChanges
    ) => Effect.Effect<Option.Option<SignupForm>, StoreUnavailable>
    /** Removes the form and its pending submissions; `false` when there was none. */
    readonly remove: (teamId: TeamId, id: SignupFormPublicId) => Effect.Effect<boolean, StoreUnavailable>
    /** An active form by its public id, whichever team's: what the public submit route reads. */
    readonly findActive: (
      id: SignupFormPublicId
    ) => Effect.Effect<Option.Option<SignupForm>, StoreUnavailable>
    /**
     * Keeps a submission until it is confirmed and counts it on the form, together; `None` when
     * the form was deleted or turned inactive meanwhile (nothing is written then).
     */
    readonly submit: (
      form: SignupForm,
      submission: NewSubmission
    ) => Effect.Effect<Option.Option<SignupSubmission>, StoreUnavailable>
    /** A submission and its form, if the form still exists and is active. */
    readonly findSubmission: (
      id: SubmissionPublicId
    ) => Effect.Effect<
      Option.Option<{ readonly submission: SignupSubmission; readonly form: SignupForm }>,
      StoreUnavailable
    >
    /** Marks the submission confirmed; `false` when it was already (or is gone). */
    readonly markConfirmed: (id: SubmissionPublicId, at: Date) => Effect.Effect<boolean, StoreUnavailable>
    /**
     * Deletes up to `limit` submissions never confirmed and made before `before` (their link has
     * expired, so nobody can confirm them any more), oldest first; how many went. Confirmed ones
     * are kept: they are the record of the opt-in.
     */
    readonly purgeUnconfirmedBefore: (before: Date, limit: number) => Effect.Effect<number, StoreUnavailable>
  }
>() {}
