import { HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "@effect/platform"
import {
  SegmentPublicId,
  SignupFieldType,
  SignupFormPublicId,
  SubmissionPublicId,
  TopicRef
} from "@poststack/domain"
import { Schema } from "effect"
import {
  ForbiddenJson,
  NotFoundJson,
  RateLimitedJson,
  UnavailableJson,
  UnprocessableJson
} from "../errors.js"
import { FullAccess } from "../middleware/Authentication.js"
import { PublicScreen } from "./AuthApi.js"
import { Success } from "./common.js"
import { Pagination } from "./DomainsApi.js"
import { pageFields } from "./params.js"

const Field = Schema.Struct({
  name: Schema.String,
  type: SignupFieldType,
  label: Schema.String,
  required: Schema.Boolean,
  placeholder: Schema.optional(Schema.String),
  options: Schema.optional(Schema.Array(Schema.String))
})

/**
 * A signup form as clients see it (G2's shape). `segmentId` and `topicId` are the numeric ids the
 * SDK types; `segmentPublicId` and `topicPublicId` are the `seg_`/`top_` ids the form was given.
 */
export class SignupFormView extends Schema.Class<SignupFormView>("SignupForm")({
  id: Schema.Int,
  publicId: Schema.String,
  name: Schema.String,
  segmentId: Schema.NullOr(Schema.Int),
  topicId: Schema.NullOr(Schema.Int),
  segmentPublicId: Schema.NullOr(Schema.String),
  topicPublicId: Schema.NullOr(Schema.String),
  fields: Schema.Array(Field),
  successMessage: Schema.NullOr(Schema.String),
  redirectUrl: Schema.NullOr(Schema.String),
  active: Schema.Boolean,
  submissionCount: Schema.Int,
  createdAt: Schema.Date,
  updatedAt: Schema.Date
}) {}

/** G2 reads `signupForm`; G1 read the form bare: both, in one object. */
export const SignupFormEnvelope = Schema.Struct({ signupForm: SignupFormView, ...SignupFormView.fields })

const FieldInput = Schema.Struct({
  name: Schema.String.pipe(Schema.minLength(1), Schema.maxLength(63)),
  type: SignupFieldType,
  label: Schema.optionalWith(Schema.String.pipe(Schema.maxLength(200)), { default: () => "" }),
  required: Schema.optionalWith(Schema.Boolean, { default: () => false }),
  placeholder: Schema.optional(Schema.String.pipe(Schema.maxLength(200))),
  options: Schema.optional(Schema.Array(Schema.String.pipe(Schema.maxLength(200))).pipe(Schema.maxItems(100)))
})
const Fields = Schema.Array(FieldInput).pipe(Schema.minItems(1), Schema.maxItems(10))
const Name = Schema.String.pipe(Schema.minLength(1), Schema.maxLength(200))
const Message = Schema.String.pipe(Schema.maxLength(1000))
const Url = Schema.String.pipe(Schema.maxLength(2048))

export const CreateSignupFormBody = Schema.Struct({
  name: Name,
  segmentId: Schema.optional(SegmentPublicId).pipe(Schema.fromKey("segment_id")),
  topicId: Schema.optional(TopicRef).pipe(Schema.fromKey("topic_id")),
  fields: Fields,
  successMessage: Schema.optional(Schema.NullOr(Message)).pipe(Schema.fromKey("success_message")),
  redirectUrl: Schema.optional(Schema.NullOr(Url)).pipe(Schema.fromKey("redirect_url"))
})

export const UpdateSignupFormBody = Schema.Struct({
  name: Schema.optional(Name),
  segmentId: Schema.optional(Schema.NullOr(SegmentPublicId)).pipe(Schema.fromKey("segment_id")),
  topicId: Schema.optional(Schema.NullOr(TopicRef)).pipe(Schema.fromKey("topic_id")),
  fields: Schema.optional(Fields),
  successMessage: Schema.optional(Schema.NullOr(Message)).pipe(Schema.fromKey("success_message")),
  redirectUrl: Schema.optional(Schema.NullOr(Url)).pipe(Schema.fromKey("redirect_url")),
  active: Schema.optional(Schema.Boolean)
})

const idPath = Schema.Struct({ id: SignupFormPublicId })

/** `/signup-forms`: the team's public forms. */
export class SignupFormsApi extends HttpApiGroup.make("signupForms")
  .add(
    HttpApiEndpoint.get("list", "/signup-forms")
      .setUrlParams(Schema.Struct(pageFields))
      .addSuccess(Schema.Struct({ data: Schema.Array(SignupFormView), meta: Pagination }))
  )
  .add(
    HttpApiEndpoint.post("create", "/signup-forms")
      .setPayload(CreateSignupFormBody)
      .addSuccess(SignupFormEnvelope, { status: 201 })
      .addError(NotFoundJson)
      .addError(UnprocessableJson)
  )
  .add(
    HttpApiEndpoint.get("get", "/signup-forms/:id")
      .setPath(idPath)
      .addSuccess(SignupFormEnvelope)
      .addError(NotFoundJson)
  )
  .add(
    HttpApiEndpoint.patch("update", "/signup-forms/:id")
      .setPath(idPath)
      .setPayload(UpdateSignupFormBody)
      .addSuccess(SignupFormEnvelope)
      .addError(NotFoundJson)
      .addError(UnprocessableJson)
  )
  .add(
    HttpApiEndpoint.del("delete", "/signup-forms/:id")
      .setPath(idPath)
      .addSuccess(Success)
      .addError(NotFoundJson)
  )
  .addError(ForbiddenJson)
  .middleware(FullAccess)
  .annotate(OpenApi.Title, "Signup forms") {}

/** The visitor's fields: `email`, the names, and any key naming one of the team's properties. */
export const SubmitBody = Schema.Struct(
  { email: Schema.String.pipe(Schema.maxLength(320)) },
  Schema.Record({ key: Schema.String, value: Schema.Unknown })
)

export const SubmitAnswer = Schema.Struct({
  success: Schema.Literal(true),
  message: Schema.String,
  redirect_url: Schema.optional(Schema.String)
})

const confirmPath = Schema.Struct({ submissionId: SubmissionPublicId, signature: Schema.String })
const Html = HttpApiSchema.Text({ contentType: "text/html" })

/**
 * What visitors reach without a key: the submit route embedded forms post to (CORS, answered for
 * any origin), and the confirmation link of the mail it sends.
 */
export class SignupFormSubmitApi extends HttpApiGroup.make("signupFormSubmit")
  .add(
    HttpApiEndpoint.post("submit", "/signup-forms/:id/submit")
      .setPath(idPath)
      .setPayload(SubmitBody)
      .addSuccess(SubmitAnswer)
      .addError(NotFoundJson)
      .addError(UnprocessableJson)
      .addError(RateLimitedJson)
      .annotate(
        OpenApi.Description,
        "Public (no key, CORS for any origin). Keeps the submission and mails a confirmation link; the contact is created, or opted in, and added to the form's segment and topic once it is followed. Also takes a plain HTML form post (application/x-www-form-urlencoded): then answers 303 to the form's redirect_url, or an HTML page."
      )
  )
  .add(
    HttpApiEndpoint.get("confirmPage", "/f/:submissionId/:signature")
      .setPath(confirmPath)
      .addSuccess(Html)
      .addError(NotFoundJson)
      .annotate(OpenApi.Description, "Asks the subscriber to confirm; a GET never subscribes.")
  )
  .add(
    HttpApiEndpoint.post("confirm", "/f/:submissionId/:signature")
      .setPath(confirmPath)
      .addSuccess(Html)
      .addError(NotFoundJson)
      .annotate(OpenApi.Description, "Confirms the subscription (the confirmation page's button).")
  )
  .addError(UnavailableJson)
  .middleware(PublicScreen)
  .annotate(OpenApi.Title, "Signup form submissions") {}
