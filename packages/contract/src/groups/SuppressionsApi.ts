import { HttpApiEndpoint, HttpApiGroup, OpenApi } from "@effect/platform"
import { SuppressionReason } from "@poststack/domain"
import { Schema } from "effect"
import { ForbiddenJson, NotFoundJson, UnprocessableJson } from "../errors.js"
import { FullAccess } from "../middleware/Authentication.js"
import { Success } from "./common.js"
import { Pagination } from "./DomainsApi.js"
import { pageFields } from "./params.js"

export class SuppressionView extends Schema.Class<SuppressionView>("Suppression")({
  id: Schema.Int,
  email: Schema.String,
  reason: SuppressionReason,
  createdAt: Schema.Date
}) {}

export const ListSuppressionsParams = Schema.Struct({
  ...pageFields,
  /** Only addresses containing this text, in any case. */
  search: Schema.optional(Schema.String.pipe(Schema.maxLength(320))),
  /** Only entries with this reason. */
  reason: Schema.optional(SuppressionReason)
})

export const AddSuppressionBody = Schema.Struct({
  email: Schema.String.pipe(Schema.maxLength(320)),
  reason: SuppressionReason
})

/** `/suppressions`: the one list every send consults; managing it needs a full-access key. */
export class SuppressionsApi extends HttpApiGroup.make("suppressions")
  .add(
    HttpApiEndpoint.get("list", "/suppressions")
      .setUrlParams(ListSuppressionsParams)
      .addSuccess(Schema.Struct({ data: Schema.Array(SuppressionView), meta: Pagination }))
  )
  .add(
    HttpApiEndpoint.post("add", "/suppressions")
      .setPayload(AddSuppressionBody)
      .addSuccess(Schema.Struct({ success: Schema.Literal(true) }))
      .addError(UnprocessableJson)
  )
  .add(
    HttpApiEndpoint.del("remove", "/suppressions/:email")
      .setPath(Schema.Struct({ email: Schema.String }))
      .addSuccess(Success)
      .addError(NotFoundJson)
  )
  .addError(ForbiddenJson)
  .middleware(FullAccess)
  .annotate(OpenApi.Title, "Suppressions") {}
