import { HttpApiBuilder } from "@effect/platform"
import {
  CreateContactProperty,
  DeleteContactProperty,
  GetPropertyOptionUsage,
  ListContactProperties,
  UpdateContactProperty
} from "@poststack/application"
import { Api, ContactPropertyView, CurrentPrincipal } from "@poststack/contract"
import type { ContactProperty, ContactPropertyId } from "@poststack/domain"
import { Effect } from "effect"

const view = (p: ContactProperty) =>
  ContactPropertyView.make(
    {
      id: p.id,
      name: p.name,
      label: p.label,
      type: p.type,
      ...(p.options === null ? {} : { options: p.options }),
      required: p.required,
      createdAt: p.createdAt
    },
    { disableValidation: true }
  )

/** `{property: P, ...P}`: G2 reads the envelope, G1 the bare object. */
const envelope = (p: ContactProperty) => {
  const v = view(p)
  return { property: v, ...v }
}

export const ContactPropertiesLive = HttpApiBuilder.group(Api, "contactProperties", (handlers) =>
  handlers
    .handle("list", () =>
      Effect.flatMap(CurrentPrincipal, ListContactProperties).pipe(
        Effect.map((properties) => ({ properties: properties.map(view) }))
      )
    )
    .handle("create", ({ payload }) =>
      Effect.flatMap(CurrentPrincipal, (caller) => CreateContactProperty(caller, payload)).pipe(
        Effect.map(envelope)
      )
    )
    .handle("update", ({ path, payload }) =>
      Effect.flatMap(CurrentPrincipal, (caller) =>
        UpdateContactProperty(caller, path.id as ContactPropertyId, payload)
      ).pipe(Effect.map(envelope))
    )
    .handle("delete", ({ path }) =>
      Effect.flatMap(CurrentPrincipal, (caller) =>
        DeleteContactProperty(caller, path.id as ContactPropertyId)
      ).pipe(Effect.as({ success: true as const, deleted: true as const }))
    )
    .handle("optionUsage", ({ path }) =>
      Effect.flatMap(CurrentPrincipal, (caller) =>
        GetPropertyOptionUsage(caller, path.id as ContactPropertyId)
      ).pipe(Effect.map((usage) => ({ usage })))
    )
)
