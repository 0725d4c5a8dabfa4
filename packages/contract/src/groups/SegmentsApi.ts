import { HttpApiEndpoint, HttpApiGroup, OpenApi } from "@effect/platform"
import { ContactPublicId, MAX_SEGMENT_ADD, SegmentPublicId, SegmentRules } from "@poststack/domain"
import { Schema } from "effect"
import { ContactsUnresolvedJson, ForbiddenJson, NotFoundJson, UnprocessableJson } from "../errors.js"
import { FullAccess } from "../middleware/Authentication.js"
import { Success } from "./common.js"
import { ContactView } from "./ContactsApi.js"
import { Pagination } from "./DomainsApi.js"
import { DecimalParam, PageParam, PerPageParam } from "./params.js"

/**
 * A segment as clients see it. `countUnavailable` is true when its rules no longer fit the team's
 * properties (one was deleted), so `contactCount` could not be made. `contacts`: on `get` only.
 */
export class SegmentView extends Schema.Class<SegmentView>("Segment")({
  id: Schema.Int,
  publicId: Schema.String,
  name: Schema.String,
  rules: Schema.NullOr(SegmentRules),
  contactCount: Schema.Int,
  countUnavailable: Schema.Boolean,
  createdAt: Schema.Date,
  updatedAt: Schema.Date,
  contacts: Schema.optional(Schema.Array(ContactView))
}) {}

export const SegmentEnvelope = Schema.Struct({ segment: SegmentView })

const Name = Schema.String.pipe(Schema.minLength(1), Schema.maxLength(200))

export const CreateSegmentBody = Schema.Struct({
  name: Name,
  rules: Schema.optional(Schema.NullOr(SegmentRules))
})

/** `rules` absent: unchanged; `null`: a manual segment from now on. */
export const UpdateSegmentBody = Schema.Struct({
  name: Schema.optional(Name),
  rules: Schema.optional(Schema.NullOr(SegmentRules))
})

export const AddSegmentContactsBody = Schema.Struct({
  contactIds: Schema.propertySignature(
    Schema.Array(ContactPublicId).pipe(Schema.minItems(1), Schema.maxItems(MAX_SEGMENT_ADD))
  ).pipe(Schema.fromKey("contact_ids"))
})

/** G2 reads `added`, G1 `success`. */
export const AddSegmentContactsResult = Schema.Struct({ added: Schema.Int, success: Schema.Literal(true) })

export const SegmentGrowthView = Schema.Struct({
  available: Schema.Boolean,
  daily: Schema.Array(Schema.Struct({ date: Schema.String, members: Schema.Int }))
})

/** A broadcast to the segment. */
export const SegmentBroadcastView = Schema.Struct({
  id: Schema.Int,
  publicId: Schema.String,
  subject: Schema.String,
  status: Schema.Literal("draft", "queued", "sending", "sent", "cancelled"),
  sentAt: Schema.NullOr(Schema.Date),
  createdAt: Schema.Date
})

const idPath = Schema.Struct({ id: SegmentPublicId })

/** `/segments`: named parts of the audience, manual lists or rules. `/segments/preview` comes first. */
export class SegmentsApi extends HttpApiGroup.make("segments")
  .add(
    HttpApiEndpoint.post("preview", "/segments/preview")
      .setPayload(Schema.Struct({ rules: SegmentRules }))
      .addSuccess(Schema.Struct({ count: Schema.Int }))
      .addError(UnprocessableJson)
  )
  .add(
    HttpApiEndpoint.post("create", "/segments")
      .setPayload(CreateSegmentBody)
      .addSuccess(SegmentEnvelope, { status: 201 })
      .addError(UnprocessableJson)
  )
  .add(
    HttpApiEndpoint.get("list", "/segments").addSuccess(
      Schema.Struct({ segments: Schema.Array(SegmentView) })
    )
  )
  .add(
    HttpApiEndpoint.get("get", "/segments/:id")
      .setPath(idPath)
      .addSuccess(SegmentEnvelope)
      .addError(NotFoundJson)
  )
  .add(
    HttpApiEndpoint.patch("update", "/segments/:id")
      .setPath(idPath)
      .setPayload(UpdateSegmentBody)
      .addSuccess(SegmentEnvelope)
      .addError(NotFoundJson)
      .addError(UnprocessableJson)
  )
  .add(
    HttpApiEndpoint.del("delete", "/segments/:id").setPath(idPath).addSuccess(Success).addError(NotFoundJson)
  )
  .add(
    HttpApiEndpoint.post("addContacts", "/segments/:id/contacts")
      .setPath(idPath)
      .setPayload(AddSegmentContactsBody)
      .addSuccess(AddSegmentContactsResult)
      .addError(ContactsUnresolvedJson)
      .addError(NotFoundJson)
      .addError(UnprocessableJson)
  )
  .add(
    HttpApiEndpoint.del("removeContact", "/segments/:id/contacts/:contactId")
      .setPath(Schema.Struct({ id: SegmentPublicId, contactId: ContactPublicId }))
      .addSuccess(Success)
      .addError(NotFoundJson)
      .addError(UnprocessableJson)
  )
  .add(
    HttpApiEndpoint.get("members", "/segments/:id/members")
      .setPath(idPath)
      .setUrlParams(
        Schema.Struct({
          page: Schema.optionalWith(PageParam, { default: () => 1 }),
          perPage: Schema.optionalWith(PerPageParam, { default: () => 50 }).pipe(Schema.fromKey("per_page"))
        })
      )
      .addSuccess(Schema.Struct({ data: Schema.Array(ContactView), meta: Pagination }))
      .addError(NotFoundJson)
      .addError(UnprocessableJson)
  )
  .add(
    HttpApiEndpoint.get("growth", "/segments/:id/growth")
      .setPath(idPath)
      .setUrlParams(
        Schema.Struct({
          days: Schema.optionalWith(DecimalParam(1, 365, "a number of days from 1 to 365"), {
            default: () => 30
          })
        })
      )
      .addSuccess(SegmentGrowthView)
      .addError(NotFoundJson)
  )
  .add(
    HttpApiEndpoint.get("broadcasts", "/segments/:id/broadcasts")
      .setPath(idPath)
      .addSuccess(Schema.Struct({ broadcasts: Schema.Array(SegmentBroadcastView) }))
      .addError(NotFoundJson)
  )
  .addError(ForbiddenJson)
  .middleware(FullAccess)
  .annotate(OpenApi.Title, "Segments") {}
