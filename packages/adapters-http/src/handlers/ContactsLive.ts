import { HttpApiBuilder } from "@effect/platform"
import {
  type ContactRead,
  CreateContact,
  DeleteContact,
  ExportContacts,
  GetContact,
  GetContactByEmail,
  ImportContacts,
  ListContacts,
  UnsubscribeContact,
  UpdateContact
} from "@poststack/application"
import { Api, ContactView, CurrentPrincipal } from "@poststack/contract"
import { Effect } from "effect"
import { listPage } from "./listPage.js"

/** The wire view: a suppressed address shows as unsubscribed, with the suppression's reason. */
export const contactView = ({ contact: c, suppressedFor }: ContactRead) =>
  ContactView.make(
    {
      id: c.id,
      publicId: c.publicId,
      email: c.email,
      firstName: c.firstName,
      lastName: c.lastName,
      unsubscribed: c.unsubscribed || suppressedFor !== null,
      unsubscribedAt: c.unsubscribedAt,
      suppressionReason: suppressedFor,
      properties: c.properties,
      engagementSegment: c.engagementSegment,
      lastEngagedAt: c.lastEngagedAt,
      createdAt: c.createdAt,
      updatedAt: c.updatedAt
    },
    { disableValidation: true }
  )

const envelope = (read: ContactRead) => ({ contact: contactView(read) })

export const ContactsLive = HttpApiBuilder.group(Api, "contacts", (handlers) =>
  handlers
    .handle("import", ({ payload }) =>
      Effect.flatMap(CurrentPrincipal, (caller) => ImportContacts(caller, payload.contacts)).pipe(
        Effect.map((r) => ({
          imported: r.imported,
          skipped: r.skipped,
          updated: 0 as const,
          errors: r.errors
        }))
      )
    )
    .handle("export", ({ urlParams }) =>
      Effect.flatMap(CurrentPrincipal, (caller) => ExportContacts(caller, urlParams.segmentId))
    )
    .handle("getByEmail", ({ path }) =>
      Effect.flatMap(CurrentPrincipal, (caller) => GetContactByEmail(caller, path.email)).pipe(
        Effect.map(envelope)
      )
    )
    .handle("create", ({ payload }) =>
      Effect.flatMap(CurrentPrincipal, (caller) => CreateContact(caller, payload)).pipe(Effect.map(envelope))
    )
    .handle("list", ({ urlParams }) =>
      Effect.gen(function* () {
        const caller = yield* CurrentPrincipal
        const { contacts, total } = yield* ListContacts(
          caller,
          {
            ...(urlParams.search === undefined ? {} : { search: urlParams.search }),
            ...(urlParams.engagementSegment === undefined
              ? {}
              : { engagementSegment: urlParams.engagementSegment }),
            ...(urlParams.unsubscribed === undefined
              ? {}
              : { unsubscribed: urlParams.unsubscribed === "true" })
          },
          urlParams.page,
          urlParams.perPage,
          urlParams.segmentId
        )
        return listPage(contacts.map(contactView), urlParams, total)
      })
    )
    .handle("get", ({ path }) =>
      Effect.flatMap(CurrentPrincipal, (caller) => GetContact(caller, path.id)).pipe(Effect.map(envelope))
    )
    .handle("update", ({ path, payload }) =>
      Effect.flatMap(CurrentPrincipal, (caller) => UpdateContact(caller, path.id, payload)).pipe(
        Effect.map(envelope)
      )
    )
    .handle("delete", ({ path }) =>
      Effect.flatMap(CurrentPrincipal, (caller) => DeleteContact(caller, path.id)).pipe(
        Effect.as({ success: true as const, deleted: true as const })
      )
    )
    .handle("unsubscribe", ({ path }) =>
      Effect.flatMap(CurrentPrincipal, (caller) => UnsubscribeContact(caller, path.id)).pipe(
        Effect.map(envelope)
      )
    )
)
