import { HttpApiEndpoint, HttpApiGroup, OpenApi } from "@effect/platform"
import { ApiKeyMode, ApiKeyName, ApiKeyPermission } from "@poststack/domain"
import { Schema } from "effect"
import { ForbiddenJson, NotFoundJson, UnprocessableJson } from "../errors.js"
import { FullAccess } from "../middleware/Authentication.js"
import { Success } from "./common.js"
import { IdParam } from "./params.js"

/** An API key as clients see it. `key` (the secret) is present only in create and rotate answers. */
export class ApiKeyView extends Schema.Class<ApiKeyView>("ApiKey")({
  id: Schema.Int,
  name: Schema.String,
  keyPrefix: Schema.String,
  permission: ApiKeyPermission,
  mode: ApiKeyMode,
  domainId: Schema.NullOr(Schema.Int),
  lastUsedAt: Schema.NullOr(Schema.Date),
  expiresAt: Schema.NullOr(Schema.Date),
  createdAt: Schema.Date,
  key: Schema.optional(Schema.String)
}) {}

export const ApiKeyIdParam = IdParam("an API key")

const DomainReference = Schema.Union(Schema.String, Schema.Int)

export const CreateApiKeyBody = Schema.Struct({
  name: ApiKeyName,
  permission: ApiKeyPermission,
  /** Absent: the calling key's own mode, so a test key mints test keys (and a live key live ones). */
  mode: Schema.optional(ApiKeyMode),
  domainId: Schema.optional(Schema.NullOr(DomainReference)).pipe(Schema.fromKey("domain_id")),
  domainIds: Schema.optional(Schema.Array(DomainReference)).pipe(Schema.fromKey("domain_ids")),
  allowFullAccess: Schema.optionalWith(Schema.Boolean, { default: () => false }).pipe(
    Schema.fromKey("allow_full_access")
  )
})

export const UpdateApiKeyBody = Schema.Struct({ name: Schema.optional(ApiKeyName) })

const idPath = Schema.Struct({ id: ApiKeyIdParam })

/** `/api-keys`: every route needs a full-access key. */
export class ApiKeysApi extends HttpApiGroup.make("apiKeys")
  .add(
    HttpApiEndpoint.post("create", "/api-keys")
      .setPayload(CreateApiKeyBody)
      .addSuccess(ApiKeyView, { status: 201 })
      .addError(NotFoundJson)
      .addError(UnprocessableJson)
  )
  .add(HttpApiEndpoint.get("list", "/api-keys").addSuccess(Schema.Struct({ keys: Schema.Array(ApiKeyView) })))
  .add(
    HttpApiEndpoint.get("get", "/api-keys/:id").setPath(idPath).addSuccess(ApiKeyView).addError(NotFoundJson)
  )
  .add(
    HttpApiEndpoint.patch("update", "/api-keys/:id")
      .setPath(idPath)
      .setPayload(UpdateApiKeyBody)
      .addSuccess(ApiKeyView)
      .addError(NotFoundJson)
  )
  .add(
    HttpApiEndpoint.post("rotate", "/api-keys/:id/rotate")
      .setPath(idPath)
      .addSuccess(ApiKeyView)
      .addError(NotFoundJson)
  )
  .add(
    HttpApiEndpoint.del("revoke", "/api-keys/:id").setPath(idPath).addSuccess(Success).addError(NotFoundJson)
  )
  .addError(ForbiddenJson)
  .middleware(FullAccess)
  .annotate(OpenApi.Title, "API keys") {}
