import { HttpApiEndpoint, HttpApiGroup, OpenApi } from "@effect/platform"
import { BuilderType, TemplatePublicId } from "@poststack/domain"
import { Schema } from "effect"
import { ForbiddenJson, NotFoundJson, UnprocessableJson } from "../errors.js"
import { FullAccess } from "../middleware/Authentication.js"
import { Success } from "./common.js"
import { Pagination } from "./DomainsApi.js"
import { pageFields } from "./params.js"

const templateFields = {
  id: Schema.Int,
  publicId: Schema.String,
  name: Schema.String,
  subject: Schema.String,
  htmlBody: Schema.NullOr(Schema.String),
  textBody: Schema.NullOr(Schema.String),
  variables: Schema.Array(Schema.String),
  builderType: BuilderType,
  builderBlocks: Schema.Unknown,
  published: Schema.Boolean,
  /** The docs' spelling of `published`. */
  status: Schema.Literal("draft", "published"),
  publishedAt: Schema.NullOr(Schema.Date),
  version: Schema.Int,
  createdAt: Schema.Date,
  updatedAt: Schema.Date
}

/** A template as clients see it (the SDK reads `published` and `version`). */
export class TemplateView extends Schema.Class<TemplateView>("Template")(templateFields) {}

export const TemplateEnvelope = Schema.Struct({ template: TemplateView })

const Name = Schema.String.pipe(Schema.minLength(1), Schema.maxLength(200))
const Subject = Schema.String.pipe(Schema.maxLength(998))
const Body = Schema.NullOr(Schema.String.pipe(Schema.maxLength(1_000_000)))
const VariableNames = Schema.Array(Schema.String.pipe(Schema.pattern(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/))).pipe(
  Schema.maxItems(200)
)
const Variables = Schema.Record({ key: Schema.String, value: Schema.Unknown })

export const CreateTemplateBody = Schema.Struct({
  name: Name,
  subject: Subject,
  html: Schema.optional(Body),
  text: Schema.optional(Body),
  variables: Schema.optional(VariableNames),
  builderType: Schema.optional(BuilderType).pipe(Schema.fromKey("builder_type")),
  builderBlocks: Schema.optional(Schema.Unknown).pipe(Schema.fromKey("builder_blocks"))
})

export const UpdateTemplateBody = Schema.Struct({
  name: Schema.optional(Name),
  subject: Schema.optional(Subject),
  html: Schema.optional(Body),
  text: Schema.optional(Body),
  variables: Schema.optional(VariableNames),
  builderType: Schema.optional(BuilderType).pipe(Schema.fromKey("builder_type")),
  builderBlocks: Schema.optional(Schema.Unknown).pipe(Schema.fromKey("builder_blocks"))
})

export const ListTemplatesParams = Schema.Struct({
  ...pageFields,
  search: Schema.optional(Schema.String.pipe(Schema.maxLength(200))),
  published: Schema.optional(Schema.Literal("true", "false"))
})

/** The render route's answer: snake_case, as the SDK reads it. */
export const RenderedTemplateView = Schema.Struct({
  subject: Schema.String,
  html: Schema.NullOr(Schema.String),
  text: Schema.NullOr(Schema.String),
  missing_variables: Schema.Array(Schema.String),
  template_variables: Schema.Array(Schema.String)
})

export const TemplatePresetView = Schema.Struct({
  id: Schema.String,
  name: Schema.String,
  subject: Schema.String,
  html: Schema.String,
  text: Schema.String,
  variables: Schema.Array(Schema.String)
})

const idPath = Schema.Struct({ id: TemplatePublicId })

/** `/templates`: reusable messages. Static paths come before `/templates/:id`. */
export class TemplatesApi extends HttpApiGroup.make("templates")
  .add(
    HttpApiEndpoint.get("presets", "/templates/presets").addSuccess(
      // G2 reads `data`, G1 `presets`.
      Schema.Struct({ data: Schema.Array(TemplatePresetView), presets: Schema.Array(TemplatePresetView) })
    )
  )
  .add(
    HttpApiEndpoint.post("usePreset", "/templates/presets/:presetId/use")
      .setPath(Schema.Struct({ presetId: Schema.String.pipe(Schema.maxLength(100)) }))
      // G2 reads `template`, G1 the template itself.
      .addSuccess(Schema.Struct({ template: TemplateView, ...templateFields }), { status: 201 })
      .addError(NotFoundJson)
  )
  .add(
    HttpApiEndpoint.post("create", "/templates")
      .setPayload(CreateTemplateBody)
      .addSuccess(TemplateEnvelope, { status: 201 })
      .addError(UnprocessableJson)
  )
  .add(
    HttpApiEndpoint.get("list", "/templates")
      .setUrlParams(ListTemplatesParams)
      .addSuccess(Schema.Struct({ data: Schema.Array(TemplateView), meta: Pagination }))
  )
  .add(
    HttpApiEndpoint.get("get", "/templates/:id")
      .setPath(idPath)
      .addSuccess(TemplateEnvelope)
      .addError(NotFoundJson)
  )
  .add(
    HttpApiEndpoint.patch("update", "/templates/:id")
      .setPath(idPath)
      .setPayload(UpdateTemplateBody)
      .addSuccess(TemplateEnvelope)
      .addError(NotFoundJson)
      .addError(UnprocessableJson)
  )
  .add(
    HttpApiEndpoint.del("delete", "/templates/:id").setPath(idPath).addSuccess(Success).addError(NotFoundJson)
  )
  .add(
    HttpApiEndpoint.post("publish", "/templates/:id/publish")
      .setPath(idPath)
      .addSuccess(TemplateEnvelope)
      .addError(NotFoundJson)
  )
  .add(
    HttpApiEndpoint.post("unpublish", "/templates/:id/unpublish")
      .setPath(idPath)
      .addSuccess(TemplateEnvelope)
      .addError(NotFoundJson)
  )
  .add(
    HttpApiEndpoint.post("duplicate", "/templates/:id/duplicate")
      .setPath(idPath)
      .addSuccess(TemplateEnvelope)
      .addError(NotFoundJson)
  )
  .add(
    HttpApiEndpoint.post("render", "/templates/:id/render")
      .setPath(idPath)
      .setPayload(Schema.Struct({ variables: Schema.optional(Schema.NullOr(Variables)) }))
      .addSuccess(RenderedTemplateView)
      .addError(NotFoundJson)
      .addError(UnprocessableJson)
  )
  .addError(ForbiddenJson)
  .middleware(FullAccess)
  .annotate(OpenApi.Title, "Templates") {}
