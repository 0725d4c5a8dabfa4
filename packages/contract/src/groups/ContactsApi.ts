import { HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "@effect/platform"
import { ContactPublicId, EngagementSegment, SegmentPublicId, SuppressionReason } from "@poststack/domain"
import { Schema } from "effect"
import { ConflictJson, ForbiddenJson, NotFoundJson, UnprocessableJson } from "../errors.js"
import { FullAccess } from "../middleware/Authentication.js"
import { Success } from "./common.js"
import { Pagination } from "./DomainsApi.js"
import { pageFields } from "./params.js"

/**
 * A contact as clients see it (G2's shape). `unsubscribed` is true when the contact opted out or
 * its address is on the suppression list; `suppressionReason` says which entry, if any.
 */
export class ContactView extends Schema.Class<ContactView>("Contact")({
  id: Schema.Int,
  publicId: Schema.String,
  email: Schema.String,
  firstName: Schema.NullOr(Schema.String),
  lastName: Schema.NullOr(Schema.String),
  unsubscribed: Schema.Boolean,
  unsubscribedAt: Schema.NullOr(Schema.Date),
  suppressionReason: Schema.NullOr(SuppressionReason),
  properties: Schema.NullOr(Schema.Record({ key: Schema.String, value: Schema.Unknown })),
  engagementSegment: EngagementSegment,
  lastEngagedAt: Schema.NullOr(Schema.Date),
  createdAt: Schema.Date,
  updatedAt: Schema.Date
}) {}

export const ContactEnvelope = Schema.Struct({ contact: ContactView })

const Name = Schema.NullOr(Schema.String.pipe(Schema.maxLength(200)))
const Email = Schema.String.pipe(Schema.maxLength(320))
const PropertyInput = Schema.Record({ key: Schema.String.pipe(Schema.maxLength(63)), value: Schema.Unknown })

export const CreateContactBody = Schema.Struct({
  email: Email,
  firstName: Schema.optional(Name).pipe(Schema.fromKey("first_name")),
  lastName: Schema.optional(Name).pipe(Schema.fromKey("last_name")),
  unsubscribed: Schema.optional(Schema.Boolean),
  properties: Schema.optional(Schema.NullOr(PropertyInput))
})

export const UpdateContactBody = Schema.Struct({
  firstName: Schema.optional(Name).pipe(Schema.fromKey("first_name")),
  lastName: Schema.optional(Name).pipe(Schema.fromKey("last_name")),
  unsubscribed: Schema.optional(Schema.Boolean),
  properties: Schema.optional(PropertyInput)
})

export const ListContactsParams = Schema.Struct({
  ...pageFields,
  search: Schema.optional(Schema.String.pipe(Schema.maxLength(320))),
  /**
   * Only the segment's members. An id naming no segment of the team is ignored, as the contract
   * says; one that is not a segment id at all (`seg_` and 24 hex digits) is refused.
   */
  segmentId: Schema.optional(SegmentPublicId).pipe(Schema.fromKey("segment_id")),
  engagementSegment: Schema.optional(EngagementSegment).pipe(Schema.fromKey("engagement_segment")),
  unsubscribed: Schema.optional(Schema.Literal("true", "false"))
})

export const ImportContactsBody = Schema.Struct({
  contacts: Schema.Array(
    Schema.Struct({
      email: Email,
      firstName: Schema.optional(Name).pipe(Schema.fromKey("first_name")),
      lastName: Schema.optional(Name).pipe(Schema.fromKey("last_name")),
      properties: Schema.optional(Schema.NullOr(PropertyInput))
    })
  ).pipe(Schema.minItems(1), Schema.maxItems(10_000))
})

/** G2's answer, plus `updated: 0` for G1 (existing contacts are never updated). */
export const ImportResult = Schema.Struct({
  imported: Schema.Int,
  skipped: Schema.Int,
  updated: Schema.Literal(0),
  errors: Schema.Array(Schema.String)
})

const idPath = Schema.Struct({ id: ContactPublicId })

/** `/contacts`: the team's audience. Static paths come before `/contacts/:id`. */
export class ContactsApi extends HttpApiGroup.make("contacts")
  .add(
    HttpApiEndpoint.post("import", "/contacts/import")
      .setPayload(ImportContactsBody)
      .addSuccess(ImportResult)
      .addError(UnprocessableJson)
  )
  .add(
    HttpApiEndpoint.get("export", "/contacts/export")
      .setUrlParams(
        Schema.Struct({
          segmentId: Schema.optional(SegmentPublicId).pipe(Schema.fromKey("segment_id"))
        })
      )
      .addSuccess(HttpApiSchema.Text({ contentType: "text/csv" }))
      .addError(NotFoundJson)
      .addError(UnprocessableJson)
  )
  .add(
    HttpApiEndpoint.get("getByEmail", "/contacts/by-email/:email")
      .setPath(Schema.Struct({ email: Email }))
      .addSuccess(ContactEnvelope)
      .addError(NotFoundJson)
  )
  .add(
    HttpApiEndpoint.post("create", "/contacts")
      .setPayload(CreateContactBody)
      .addSuccess(ContactEnvelope, { status: 201 })
      .addError(ConflictJson)
      .addError(UnprocessableJson)
  )
  .add(
    HttpApiEndpoint.get("list", "/contacts")
      .setUrlParams(ListContactsParams)
      .addSuccess(Schema.Struct({ data: Schema.Array(ContactView), meta: Pagination }))
      .addError(UnprocessableJson)
  )
  .add(
    HttpApiEndpoint.get("get", "/contacts/:id")
      .setPath(idPath)
      .addSuccess(ContactEnvelope)
      .addError(NotFoundJson)
  )
  .add(
    HttpApiEndpoint.patch("update", "/contacts/:id")
      .setPath(idPath)
      .setPayload(UpdateContactBody)
      .addSuccess(ContactEnvelope)
      .addError(NotFoundJson)
      .addError(UnprocessableJson)
  )
  .add(
    HttpApiEndpoint.del("delete", "/contacts/:id").setPath(idPath).addSuccess(Success).addError(NotFoundJson)
  )
  .add(
    HttpApiEndpoint.post("unsubscribe", "/contacts/:id/unsubscribe")
      .setPath(idPath)
      .addSuccess(ContactEnvelope)
      .addError(NotFoundJson)
      .addError(UnprocessableJson)
  )
  .addError(ForbiddenJson)
  .middleware(FullAccess)
  .annotate(OpenApi.Title, "Contacts") {}
