import { HttpApiEndpoint, HttpApiGroup, OpenApi } from "@effect/platform"
import { BroadcastPublicId, BroadcastStatus } from "@poststack/domain"
import { Schema } from "effect"
import {
  DailyLimitJson,
  ForbiddenJson,
  MonthlyLimitJson,
  NotFoundJson,
  SendLimitJson,
  UnprocessableJson
} from "../errors.js"
import { FullAccess } from "../middleware/Authentication.js"
import {
  BroadcastEnvelope,
  PerformanceRow,
  ResendAnswer,
  UnengagedAnswer,
  VariantStatsAnswer,
  VariantStatView,
  VariantView
} from "./BroadcastViews.js"
import { Pagination } from "./DomainsApi.js"
import { DecimalParam, InputDate, pageFields } from "./params.js"

const Text = (max: number) => Schema.String.pipe(Schema.maxLength(max))
const Body = Schema.NullOr(Text(1_000_000))
const Subject = Schema.String.pipe(Schema.minLength(1), Schema.maxLength(998))
const Address = Schema.String.pipe(Schema.minLength(3), Schema.maxLength(320))

const Variant = Schema.Struct({
  name: Schema.String.pipe(Schema.minLength(1), Schema.maxLength(100)),
  subject: Subject,
  html: Schema.optional(Body),
  text: Schema.optional(Body),
  weight: Schema.Int
})

export const AbTestBody = Schema.Struct({
  variants: Schema.Array(Variant).pipe(Schema.maxItems(10)),
  testSampleSize: Schema.optional(Schema.Int).pipe(Schema.fromKey("test_sample_size")),
  testDurationMinutes: Schema.optional(Schema.Int).pipe(Schema.fromKey("test_duration_minutes")),
  winnerMetric: Schema.optional(Schema.Literal("open_rate", "click_rate")).pipe(
    Schema.fromKey("winner_metric")
  )
})

const common = {
  topicId: Schema.optional(Schema.NullOr(Text(64))).pipe(Schema.fromKey("topic_id")),
  html: Schema.optional(Body),
  text: Schema.optional(Body),
  replyTo: Schema.optional(Schema.NullOr(Address)).pipe(Schema.fromKey("reply_to")),
  name: Schema.optional(Schema.NullOr(Text(200))),
  abTest: Schema.optional(Schema.NullOr(AbTestBody)).pipe(Schema.fromKey("ab_test"))
}

export const CreateBroadcastBody = Schema.Struct({
  segmentId: Text(64).pipe(Schema.propertySignature, Schema.fromKey("segment_id")),
  from: Address,
  subject: Subject,
  scheduledAt: Schema.optional(Schema.NullOr(InputDate)).pipe(Schema.fromKey("scheduled_at")),
  ...common
})

export const UpdateBroadcastBody = Schema.Struct({
  segmentId: Schema.optional(Text(64)).pipe(Schema.fromKey("segment_id")),
  from: Schema.optional(Address),
  subject: Schema.optional(Subject),
  ...common
})

const idPath = Schema.Struct({ id: BroadcastPublicId })
const limitParam = (max: number, def: number) =>
  Schema.optionalWith(DecimalParam(1, max, `a limit from 1 to ${max}`), { default: () => def })

/** `/broadcasts`: one message to a segment. `/broadcasts/performance` comes before `/broadcasts/:id`. */
export class BroadcastsApi extends HttpApiGroup.make("broadcasts")
  .add(
    HttpApiEndpoint.get("listPerformance", "/broadcasts/performance")
      .setUrlParams(
        Schema.Struct({
          since: Schema.optional(InputDate),
          metric: Schema.optionalWith(Schema.Literal("open_rate", "click_rate", "delivered"), {
            default: () => "click_rate" as const
          }),
          limit: limitParam(100, 20)
        })
      )
      .addSuccess(
        Schema.Struct({
          metric: Schema.String,
          since: Schema.NullOr(Schema.Date),
          broadcasts: Schema.Array(PerformanceRow)
        })
      )
  )
  .add(
    HttpApiEndpoint.post("create", "/broadcasts")
      .setPayload(CreateBroadcastBody)
      .addSuccess(BroadcastEnvelope, { status: 201 })
      .addError(UnprocessableJson)
  )
  .add(
    HttpApiEndpoint.get("list", "/broadcasts")
      .setUrlParams(
        Schema.Struct({
          ...pageFields,
          search: Schema.optional(Text(200)),
          status: Schema.optional(BroadcastStatus)
        })
      )
      .addSuccess(Schema.Struct({ data: Schema.Array(BroadcastEnvelope.fields.broadcast), meta: Pagination }))
  )
  .add(
    HttpApiEndpoint.get("get", "/broadcasts/:id")
      .setPath(idPath)
      .addSuccess(BroadcastEnvelope)
      .addError(NotFoundJson)
  )
  .add(
    HttpApiEndpoint.patch("update", "/broadcasts/:id")
      .setPath(idPath)
      .setPayload(UpdateBroadcastBody)
      .addSuccess(BroadcastEnvelope)
      .addError(NotFoundJson)
      .addError(UnprocessableJson)
  )
  .add(
    HttpApiEndpoint.post("send", "/broadcasts/:id/send")
      .setPath(idPath)
      .addSuccess(
        Schema.Struct({ success: Schema.Literal(true), id: Schema.String, status: BroadcastStatus })
      )
      .addError(NotFoundJson)
      .addError(UnprocessableJson)
      .addError(MonthlyLimitJson)
      .addError(DailyLimitJson)
      .addError(SendLimitJson)
  )
  .add(
    HttpApiEndpoint.post("cancel", "/broadcasts/:id/cancel")
      .setPath(idPath)
      .addSuccess(Schema.Struct({ success: Schema.Literal(true) }))
      .addError(NotFoundJson)
      .addError(UnprocessableJson)
  )
  .add(
    HttpApiEndpoint.post("sendTest", "/broadcasts/:id/test")
      .setPath(idPath)
      .setPayload(Schema.Struct({ email: Address }))
      .addSuccess(Schema.Struct({ success: Schema.Literal(true), id: Schema.String }))
      .addError(NotFoundJson)
      .addError(UnprocessableJson)
      .addError(MonthlyLimitJson)
      .addError(DailyLimitJson)
      .addError(SendLimitJson)
  )
  .add(
    HttpApiEndpoint.get("variants", "/broadcasts/:id/variants")
      .setPath(idPath)
      .addSuccess(Schema.Struct({ variants: Schema.Array(VariantView) }))
      .addError(NotFoundJson)
      .addError(UnprocessableJson)
  )
  .add(
    HttpApiEndpoint.get("variantStats", "/broadcasts/:id/variant-stats")
      .setPath(idPath)
      .addSuccess(VariantStatsAnswer)
      .addError(NotFoundJson)
      .addError(UnprocessableJson)
  )
  .add(
    HttpApiEndpoint.post("endAbTest", "/broadcasts/:id/end-ab-test")
      .setPath(idPath)
      .addSuccess(Schema.Struct({ success: Schema.Literal(true), winnerVariantId: Schema.Int }))
      .addError(NotFoundJson)
      .addError(UnprocessableJson)
  )
  .add(
    HttpApiEndpoint.get("performance", "/broadcasts/:id/performance")
      .setPath(idPath)
      .addSuccess(
        Schema.Struct({
          broadcast: Schema.Struct({ ...PerformanceRow.fields, in_progress: Schema.Boolean }),
          variants: Schema.NullOr(Schema.Array(VariantStatView)),
          /** Ours: first opens and first clicks by hour (UTC), oldest first, for the dashboard's chart. */
          by_hour: Schema.Array(Schema.Struct({ hour: Schema.Date, opened: Schema.Int, clicked: Schema.Int }))
        })
      )
      .addError(NotFoundJson)
      .addError(UnprocessableJson)
  )
  .add(
    HttpApiEndpoint.get("nonOpeners", "/broadcasts/:id/non-openers")
      .setPath(idPath)
      .setUrlParams(Schema.Struct({ limit: limitParam(5000, 500) }))
      .addSuccess(UnengagedAnswer)
      .addError(NotFoundJson)
  )
  .add(
    HttpApiEndpoint.get("nonClickers", "/broadcasts/:id/non-clickers")
      .setPath(idPath)
      .setUrlParams(Schema.Struct({ limit: limitParam(5000, 500) }))
      .addSuccess(UnengagedAnswer)
      .addError(NotFoundJson)
  )
  .add(
    HttpApiEndpoint.post("resend", "/broadcasts/:id/resend")
      .setPath(idPath)
      .setPayload(
        Schema.Struct({
          target: Schema.optional(Schema.Literal("non_openers", "non_clickers")),
          subject: Schema.optional(Subject)
        })
      )
      .addSuccess(ResendAnswer, { status: 201 })
      .addError(NotFoundJson)
  )
  .addError(ForbiddenJson)
  .middleware(FullAccess)
  .annotate(OpenApi.Title, "Broadcasts") {}
