import { HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "@effect/platform"
import { Schema } from "effect"
import {
  ForbiddenJson,
  NotFoundJson,
  StateConflictJson,
  UnavailableJson,
  UnprocessableJson
} from "../errors.js"
import { FullAccess } from "../middleware/Authentication.js"

const Stage = Schema.Literal("webhookDeliveries", "events", "emails", "inbound", "contacts")

/** What an erasure removed, by kind, and the files deleted from disk. */
export const ErasureCountsView = Schema.Struct({
  webhookDeliveries: Schema.Int,
  events: Schema.Int,
  emails: Schema.Int,
  inbound: Schema.Int,
  contacts: Schema.Int,
  blobs: Schema.Int
})

/** An export or erasure of one data subject (GAP: no upstream shape; ours). */
export class PrivacyJobView extends Schema.Class<PrivacyJobView>("PrivacyJob")({
  object: Schema.Literal("privacy_job"),
  id: Schema.String,
  kind: Schema.Literal("export", "erase"),
  status: Schema.Literal("pending", "running", "done"),
  /** The subject; `null` once an erasure finished (the job forgets whom it erased). */
  email: Schema.NullOr(Schema.String),
  /** An erasure's stage and counts so far; `stagesDone` of `stagesTotal`. */
  progress: Schema.Struct({
    stage: Schema.Union(Stage, Schema.Literal("pending", "collecting", "done")),
    stagesDone: Schema.Int,
    stagesTotal: Schema.Int,
    counts: Schema.NullOr(ErasureCountsView)
  }),
  /** A finished erasure's report: what went, by kind. */
  report: Schema.NullOr(ErasureCountsView),
  /** A finished export: its archive is at `GET /privacy/jobs/:id/archive`. */
  downloadable: Schema.Boolean,
  createdAt: Schema.Date,
  finishedAt: Schema.NullOr(Schema.Date)
}) {}

export const SubjectBody = Schema.Struct({
  email: Schema.String.pipe(Schema.maxLength(320)).annotations({
    description: "The data subject's address; matched whole, case-insensitively"
  })
})

const jobPath = Schema.Struct({ id: Schema.String.pipe(Schema.maxLength(64)) })

/** `/privacy`: exports and erasures of one data subject (P37) as worker jobs (GAP routes, ours). */
export class PrivacyApi extends HttpApiGroup.make("privacy")
  .add(
    HttpApiEndpoint.post("requestExport", "/privacy/exports")
      .setPayload(SubjectBody)
      .addSuccess(PrivacyJobView, { status: 202 })
      .annotate(
        OpenApi.Description,
        "Starts an export of everything the team holds about one address; follow the job, then download its archive."
      )
  )
  .add(
    HttpApiEndpoint.post("requestErasure", "/privacy/erasures")
      .setPayload(SubjectBody)
      .addSuccess(PrivacyJobView, { status: 202 })
      .annotate(
        OpenApi.Description,
        "Starts erasing one address from the team's emails, events, contacts, inbound mail and webhook deliveries; the suppression entry stays."
      )
  )
  .add(
    HttpApiEndpoint.get("get", "/privacy/jobs/:id")
      .setPath(jobPath)
      .addSuccess(PrivacyJobView)
      .addError(NotFoundJson)
  )
  .add(
    HttpApiEndpoint.get("archive", "/privacy/jobs/:id/archive")
      .setPath(jobPath)
      .addSuccess(HttpApiSchema.Uint8Array({ contentType: "application/json" }))
      .addError(NotFoundJson)
      .addError(StateConflictJson)
      .annotate(OpenApi.Description, "A finished export's archive, as a JSON file.")
  )
  .addError(UnprocessableJson)
  .addError(ForbiddenJson)
  .addError(UnavailableJson)
  .middleware(FullAccess)
  .annotate(OpenApi.Title, "Privacy") {}
