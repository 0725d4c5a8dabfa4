import { HttpApiBuilder } from "@effect/platform"
import {
  CreateSignupForm,
  type SignupFormRead,
  DeleteSignupForm,
  GetSignupForm,
  ListSignupForms,
  UpdateSignupForm
} from "@poststack/application"
import { Api, CurrentPrincipal, SignupFormView } from "@poststack/contract"
import { Effect } from "effect"

/**
 * The wire view. The SDK types `segmentId`/`topicId` as the numeric ids; the form keeps the
 * `seg_`/`top_` ids it was given, shown as `segmentPublicId`/`topicPublicId`. Topics have no
 * numeric id yet: `topicId` is null.
 */
export const signupFormView = ({ form, segmentRowId }: SignupFormRead) =>
  SignupFormView.make(
    {
      id: form.id,
      publicId: form.publicId,
      name: form.name,
      segmentId: segmentRowId,
      topicId: null,
      segmentPublicId: form.segmentId,
      topicPublicId: form.topicId,
      fields: form.fields,
      successMessage: form.successMessage,
      redirectUrl: form.redirectUrl,
      active: form.active,
      submissionCount: form.submissionCount,
      createdAt: form.createdAt,
      updatedAt: form.updatedAt
    },
    { disableValidation: true }
  )

const envelope = (read: SignupFormRead) => {
  const view = signupFormView(read)
  return { signupForm: view, ...view }
}

export const SignupFormsLive = HttpApiBuilder.group(Api, "signupForms", (handlers) =>
  handlers
    .handle("list", ({ urlParams: { page, perPage } }) =>
      Effect.flatMap(CurrentPrincipal, (caller) => ListSignupForms(caller, page, perPage)).pipe(
        Effect.map(({ forms, total }) => ({
          data: forms.map(signupFormView),
          meta: { page, perPage, total, totalPages: Math.ceil(total / perPage) }
        }))
      )
    )
    .handle("create", ({ payload }) =>
      Effect.flatMap(CurrentPrincipal, (caller) => CreateSignupForm(caller, payload)).pipe(
        Effect.map(envelope)
      )
    )
    .handle("get", ({ path }) =>
      Effect.flatMap(CurrentPrincipal, (caller) => GetSignupForm(caller, path.id)).pipe(Effect.map(envelope))
    )
    .handle("update", ({ path, payload }) =>
      Effect.flatMap(CurrentPrincipal, (caller) => UpdateSignupForm(caller, path.id, payload)).pipe(
        Effect.map(envelope)
      )
    )
    .handle("delete", ({ path }) =>
      Effect.flatMap(CurrentPrincipal, (caller) => DeleteSignupForm(caller, path.id)).pipe(
        Effect.as({ success: true as const, deleted: true as const })
      )
    )
)
