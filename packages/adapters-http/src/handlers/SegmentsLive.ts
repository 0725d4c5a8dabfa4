import { HttpApiBuilder } from "@effect/platform"
import {
  AddSegmentContacts,
  type ContactRead,
  CreateSegment,
  DeleteSegment,
  GetSegment,
  ListSegmentMembers,
  ListSegments,
  PreviewSegment,
  RemoveSegmentContact,
  SegmentBroadcasts,
  SegmentGrowth,
  type SegmentRead,
  UpdateSegment
} from "@poststack/application"
import { Api, CurrentPrincipal, SegmentView } from "@poststack/contract"
import { Effect } from "effect"
import { contactView } from "./ContactsLive.js"
import { listPage } from "./listPage.js"

const segmentView = (read: SegmentRead, contacts?: ReadonlyArray<ContactRead>) =>
  SegmentView.make(
    {
      id: read.segment.id,
      publicId: read.segment.publicId,
      name: read.segment.name,
      rules: read.segment.rules,
      contactCount: read.contactCount,
      countUnavailable: read.countUnavailable,
      createdAt: read.segment.createdAt,
      updatedAt: read.segment.updatedAt,
      ...(contacts === undefined ? {} : { contacts: contacts.map(contactView) })
    },
    { disableValidation: true }
  )

const deleted = { success: true as const, deleted: true as const }

export const SegmentsLive = HttpApiBuilder.group(Api, "segments", (handlers) =>
  handlers
    .handle("preview", ({ payload }) =>
      Effect.flatMap(CurrentPrincipal, (caller) => PreviewSegment(caller, payload.rules)).pipe(
        Effect.map((count) => ({ count }))
      )
    )
    .handle("create", ({ payload }) =>
      Effect.flatMap(CurrentPrincipal, (caller) => CreateSegment(caller, payload)).pipe(
        Effect.map((read) => ({ segment: segmentView(read) }))
      )
    )
    .handle("list", () =>
      Effect.flatMap(CurrentPrincipal, ListSegments).pipe(
        Effect.map((reads) => ({ segments: reads.map((r) => segmentView(r)) }))
      )
    )
    .handle("get", ({ path }) =>
      Effect.flatMap(CurrentPrincipal, (caller) => GetSegment(caller, path.id)).pipe(
        Effect.map((read) => ({ segment: segmentView(read, read.contacts) }))
      )
    )
    .handle("update", ({ path, payload }) =>
      Effect.flatMap(CurrentPrincipal, (caller) => UpdateSegment(caller, path.id, payload)).pipe(
        Effect.map((read) => ({ segment: segmentView(read) }))
      )
    )
    .handle("delete", ({ path }) =>
      Effect.flatMap(CurrentPrincipal, (caller) => DeleteSegment(caller, path.id)).pipe(Effect.as(deleted))
    )
    .handle("addContacts", ({ path, payload }) =>
      Effect.flatMap(CurrentPrincipal, (caller) =>
        AddSegmentContacts(caller, path.id, payload.contactIds)
      ).pipe(Effect.map((added) => ({ added, success: true as const })))
    )
    .handle("removeContact", ({ path }) =>
      Effect.flatMap(CurrentPrincipal, (caller) =>
        RemoveSegmentContact(caller, path.id, path.contactId)
      ).pipe(Effect.as(deleted))
    )
    .handle("members", ({ path, urlParams }) =>
      Effect.flatMap(CurrentPrincipal, (caller) =>
        ListSegmentMembers(caller, path.id, urlParams.page, urlParams.perPage)
      ).pipe(Effect.map(({ contacts, total }) => listPage(contacts.map(contactView), urlParams, total)))
    )
    .handle("growth", ({ path, urlParams }) =>
      Effect.flatMap(CurrentPrincipal, (caller) => SegmentGrowth(caller, path.id, urlParams.days))
    )
    .handle("broadcasts", ({ path }) =>
      Effect.flatMap(CurrentPrincipal, (caller) => SegmentBroadcasts(caller, path.id)).pipe(
        Effect.map((broadcasts) => ({
          broadcasts: broadcasts.map((b) => ({
            id: b.id,
            publicId: b.publicId,
            subject: b.subject,
            status: b.status,
            sentAt: b.sentAt,
            createdAt: b.createdAt
          }))
        }))
      )
    )
)
