import { Schema } from "effect"
import { PropertyValues } from "../contacts/Contact.js"
import { TeamId } from "../Team.js"

/** A signup form's row id (numeric on the wire, beside its public id). */
export const SignupFormId = Schema.Int.pipe(Schema.brand("SignupFormId"))
export type SignupFormId = typeof SignupFormId.Type

/** A signup form's public id, `sf_` and 24 lower-case hex digits: what every route takes. */
export const SignupFormPublicId = Schema.String.pipe(
  Schema.pattern(/^sf_[0-9a-f]{24}$/),
  Schema.brand("SignupFormPublicId")
)
export type SignupFormPublicId = typeof SignupFormPublicId.Type

/** A pending submission's public id, `sfs_` and 24 hex digits: the subject of its confirmation link. */
export const SubmissionPublicId = Schema.String.pipe(
  Schema.pattern(/^sfs_[0-9a-f]{24}$/),
  Schema.brand("SubmissionPublicId")
)
export type SubmissionPublicId = typeof SubmissionPublicId.Type

/** The segment a form adds confirmed contacts to, by its public id (`seg_…`). */
export const SegmentRef = Schema.String.pipe(
  Schema.pattern(/^seg_[A-Za-z0-9]{1,64}$/, { message: () => "must be a segment id (seg_…)" })
)

/** The subscription topic a form subscribes confirmed contacts to, by its public id (`top_…`). */
export const TopicRef = Schema.String.pipe(
  Schema.pattern(/^top_[A-Za-z0-9]{1,64}$/, { message: () => "must be a topic id (top_…)" })
)

export const SignupFieldType = Schema.Literal("email", "text", "select")
export type SignupFieldType = typeof SignupFieldType.Type

/** One input of a form: the contact's email, first or last name, or one of the team's properties. */
export const SignupFormField = Schema.Struct({
  name: Schema.String.pipe(Schema.minLength(1), Schema.maxLength(63)),
  type: SignupFieldType,
  label: Schema.String.pipe(Schema.maxLength(200)),
  required: Schema.Boolean,
  placeholder: Schema.optional(Schema.String.pipe(Schema.maxLength(200))),
  options: Schema.optional(Schema.Array(Schema.String.pipe(Schema.maxLength(200))).pipe(Schema.maxItems(100)))
})
export type SignupFormField = typeof SignupFormField.Type

/** A public form that turns a visitor into a contact once they confirm their address. */
export class SignupForm extends Schema.Class<SignupForm>("SignupForm")({
  id: SignupFormId,
  publicId: SignupFormPublicId,
  teamId: TeamId,
  name: Schema.String,
  segmentId: Schema.NullOr(Schema.String),
  topicId: Schema.NullOr(Schema.String),
  fields: Schema.Array(SignupFormField),
  successMessage: Schema.NullOr(Schema.String),
  redirectUrl: Schema.NullOr(Schema.String),
  active: Schema.Boolean,
  submissionCount: Schema.Int,
  createdAt: Schema.Date,
  updatedAt: Schema.Date
}) {}

/**
 * What a visitor sent, kept until they confirm it from the mail: nothing reaches the team's
 * contacts before that, so an address typed by someone else never becomes a subscriber.
 */
export class SignupSubmission extends Schema.Class<SignupSubmission>("SignupSubmission")({
  publicId: SubmissionPublicId,
  formId: SignupFormId,
  teamId: TeamId,
  email: Schema.String,
  firstName: Schema.NullOr(Schema.String),
  lastName: Schema.NullOr(Schema.String),
  properties: PropertyValues,
  createdAt: Schema.Date,
  confirmedAt: Schema.NullOr(Schema.Date)
}) {}

const hex24 = () => crypto.randomUUID().replaceAll("-", "").slice(0, 24)

export const newSignupFormPublicId = (): SignupFormPublicId => `sf_${hex24()}` as SignupFormPublicId
export const newSubmissionPublicId = (): SubmissionPublicId => `sfs_${hex24()}` as SubmissionPublicId

/** The message a form answers with when the team wrote none. */
export const DEFAULT_SUCCESS_MESSAGE = "Thanks! Check your inbox to confirm your subscription."

/** How long a confirmation link works. */
export const CONFIRMATION_TTL_MS = 7 * 24 * 60 * 60_000

/** Whether a submission can still be confirmed at `now`. */
export const confirmable = (submission: SignupSubmission, now: Date): boolean =>
  now.getTime() - submission.createdAt.getTime() <= CONFIRMATION_TTL_MS
