import { HttpApiEndpoint, HttpApiGroup, OpenApi } from "@effect/platform"
import { ContactPropertyType, PropertyName } from "@poststack/domain"
import { Schema } from "effect"
import { ConflictJson, ForbiddenJson, NotFoundJson, UnprocessableJson } from "../errors.js"
import { FullAccess } from "../middleware/Authentication.js"
import { Success } from "./common.js"
import { IdParam } from "./params.js"

/** A contact property; `options` only on select properties. */
export class ContactPropertyView extends Schema.Class<ContactPropertyView>("ContactProperty")({
  id: Schema.Int,
  name: Schema.String,
  label: Schema.String,
  type: ContactPropertyType,
  options: Schema.optional(Schema.Array(Schema.String)),
  required: Schema.Boolean,
  createdAt: Schema.Date
}) {}

/** G2 reads `{property}`, G1 the bare object: both at once. */
export const PropertyEnvelope = Schema.Struct({
  property: ContactPropertyView,
  ...ContactPropertyView.fields
})

const Label = Schema.String.pipe(Schema.minLength(1), Schema.maxLength(200))
const Options = Schema.Array(Schema.String.pipe(Schema.minLength(1), Schema.maxLength(200))).pipe(
  Schema.maxItems(500)
)

export const CreatePropertyBody = Schema.Struct({
  name: PropertyName,
  label: Label,
  type: ContactPropertyType,
  options: Schema.optional(Options),
  required: Schema.optional(Schema.Boolean)
})

/** Name and type are immutable: only these three change. */
export const UpdatePropertyBody = Schema.Struct({
  label: Schema.optional(Label),
  options: Schema.optional(Options),
  required: Schema.optional(Schema.Boolean)
})

const idPath = Schema.Struct({ id: IdParam("contact property") })

/** `/contact-properties`: the typed fields of the team's contacts. */
export class ContactPropertiesApi extends HttpApiGroup.make("contactProperties")
  .add(
    HttpApiEndpoint.get("list", "/contact-properties").addSuccess(
      Schema.Struct({ properties: Schema.Array(ContactPropertyView) })
    )
  )
  .add(
    HttpApiEndpoint.post("create", "/contact-properties")
      .setPayload(CreatePropertyBody)
      .addSuccess(PropertyEnvelope, { status: 201 })
      .addError(ConflictJson)
      .addError(UnprocessableJson)
  )
  .add(
    HttpApiEndpoint.patch("update", "/contact-properties/:id")
      .setPath(idPath)
      .setPayload(UpdatePropertyBody)
      .addSuccess(PropertyEnvelope)
      .addError(NotFoundJson)
      .addError(UnprocessableJson)
  )
  .add(
    HttpApiEndpoint.del("delete", "/contact-properties/:id")
      .setPath(idPath)
      .addSuccess(Success)
      .addError(NotFoundJson)
  )
  .add(
    HttpApiEndpoint.get("optionUsage", "/contact-properties/:id/option-usage")
      .setPath(idPath)
      .addSuccess(Schema.Struct({ usage: Schema.Record({ key: Schema.String, value: Schema.Int }) }))
      .addError(NotFoundJson)
  )
  .addError(ForbiddenJson)
  .middleware(FullAccess)
  .annotate(OpenApi.Title, "Contact properties") {}
