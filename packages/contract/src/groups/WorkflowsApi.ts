import { HttpApiEndpoint, HttpApiGroup, OpenApi } from "@effect/platform"
import {
  Graph,
  TriggerConfig,
  WorkflowRunStatus,
  WorkflowStatus,
  WorkflowTriggerType
} from "@poststack/domain"
import { Schema } from "effect"
import { ForbiddenJson, GoneJson, NotFoundJson, StateConflictJson, UnprocessableJson } from "../errors.js"
import { FullAccess } from "../middleware/Authentication.js"
import { Success } from "./common.js"
import { BigIdParam } from "./params.js"

/** A workflow as the SDK reads it. */
export class WorkflowView extends Schema.Class<WorkflowView>("Workflow")({
  id: Schema.Int,
  publicId: Schema.String,
  name: Schema.String,
  triggerType: WorkflowTriggerType,
  triggerConfig: Schema.NullOr(TriggerConfig),
  status: WorkflowStatus,
  createdAt: Schema.Date,
  updatedAt: Schema.Date
}) {}

/** One contact's way through a workflow; `contactPublicId` beside the SDK's internal `contactId`. */
export class WorkflowRunView extends Schema.Class<WorkflowRunView>("WorkflowRun")({
  id: Schema.Int,
  workflowId: Schema.Int,
  contactId: Schema.Int,
  status: WorkflowRunStatus,
  currentNodeId: Schema.NullOr(Schema.String),
  nodesVisited: Schema.Array(Schema.String),
  waitUntil: Schema.NullOr(Schema.Date),
  startedAt: Schema.Date,
  completedAt: Schema.NullOr(Schema.Date)
}) {}

export const WorkflowRunStepView = Schema.Struct({
  nodeId: Schema.String,
  outcome: Schema.String,
  detail: Schema.NullOr(Schema.Record({ key: Schema.String, value: Schema.Unknown })),
  at: Schema.Date
})

const WorkflowEnvelope = Schema.Struct({ workflow: WorkflowView })
const GraphEnvelope = Schema.Struct({ graph: Graph })
const Name = Schema.String.pipe(Schema.minLength(1), Schema.maxLength(200))

export const CreateWorkflowBody = Schema.Struct({
  name: Name,
  triggerType: WorkflowTriggerType.pipe(Schema.propertySignature, Schema.fromKey("trigger_type")),
  triggerConfig: Schema.optional(Schema.NullOr(TriggerConfig)).pipe(Schema.fromKey("trigger_config"))
})

export const UpdateWorkflowBody = Schema.Struct({
  name: Schema.optional(Name),
  triggerType: Schema.optional(WorkflowTriggerType).pipe(Schema.fromKey("trigger_type")),
  triggerConfig: Schema.optional(Schema.NullOr(TriggerConfig)).pipe(Schema.fromKey("trigger_config"))
})

export const TriggerBody = Schema.Struct({
  contactId: Schema.String.pipe(Schema.maxLength(64), Schema.propertySignature, Schema.fromKey("contact_id"))
})

export const WorkflowEventBody = Schema.Struct({
  event: Schema.String.pipe(Schema.minLength(1), Schema.maxLength(100)),
  contactId: Schema.optional(Schema.String.pipe(Schema.maxLength(64))).pipe(Schema.fromKey("contact_id")),
  email: Schema.optional(Schema.String.pipe(Schema.maxLength(320)))
})

const idPath = Schema.Struct({ id: Schema.String })
const runPath = Schema.Struct({ id: Schema.String, runId: BigIdParam("a workflow run") })
const stepPath = Schema.Struct({ id: Schema.String, stepId: Schema.String })

/** `/workflows`: automations over the team's contacts, their graphs and their runs. */
export class WorkflowsApi extends HttpApiGroup.make("workflows")
  .add(
    HttpApiEndpoint.get("list", "/workflows").addSuccess(Schema.Struct({ data: Schema.Array(WorkflowView) }))
  )
  .add(
    HttpApiEndpoint.post("create", "/workflows")
      .setPayload(CreateWorkflowBody)
      .addSuccess(WorkflowEnvelope, { status: 201 })
      .addError(UnprocessableJson)
  )
  .add(
    HttpApiEndpoint.post("postEvent", "/workflows/events")
      .setPayload(WorkflowEventBody)
      .addSuccess(Schema.Struct({ event: Schema.String, matched: Schema.Int }))
      .addError(NotFoundJson)
      .addError(UnprocessableJson)
  )
  .add(
    HttpApiEndpoint.get("get", "/workflows/:id")
      .setPath(idPath)
      .addSuccess(WorkflowEnvelope)
      .addError(NotFoundJson)
  )
  .add(
    HttpApiEndpoint.patch("update", "/workflows/:id")
      .setPath(idPath)
      .setPayload(UpdateWorkflowBody)
      .addSuccess(WorkflowEnvelope)
      .addError(NotFoundJson)
      .addError(UnprocessableJson)
  )
  .add(
    HttpApiEndpoint.del("delete", "/workflows/:id").setPath(idPath).addSuccess(Success).addError(NotFoundJson)
  )
  .add(
    HttpApiEndpoint.get("getGraph", "/workflows/:id/graph")
      .setPath(idPath)
      .addSuccess(GraphEnvelope)
      .addError(NotFoundJson)
  )
  .add(
    HttpApiEndpoint.put("putGraph", "/workflows/:id/graph")
      .setPath(idPath)
      .setPayload(Graph)
      .addSuccess(GraphEnvelope)
      .addError(NotFoundJson)
      .addError(UnprocessableJson)
  )
  .add(
    HttpApiEndpoint.post("validate", "/workflows/:id/validate")
      .setPath(idPath)
      .addSuccess(
        Schema.Struct({ valid: Schema.Boolean, errors: Schema.optional(Schema.Array(Schema.String)) })
      )
      .addError(NotFoundJson)
  )
  .add(
    HttpApiEndpoint.post("activate", "/workflows/:id/activate")
      .setPath(idPath)
      .addSuccess(WorkflowEnvelope)
      .addError(NotFoundJson)
      .addError(UnprocessableJson)
  )
  .add(
    HttpApiEndpoint.post("pause", "/workflows/:id/pause")
      .setPath(idPath)
      .addSuccess(WorkflowEnvelope)
      .addError(NotFoundJson)
      .addError(StateConflictJson)
  )
  .add(
    HttpApiEndpoint.post("trigger", "/workflows/:id/trigger")
      .setPath(idPath)
      .setPayload(TriggerBody)
      .addSuccess(Schema.Struct({ run: WorkflowRunView, success: Schema.Literal(true) }), { status: 201 })
      .addError(NotFoundJson)
      .addError(UnprocessableJson)
  )
  .add(
    HttpApiEndpoint.get("listRuns", "/workflows/:id/runs")
      .setPath(idPath)
      .addSuccess(Schema.Struct({ data: Schema.Array(WorkflowRunView) }))
      .addError(NotFoundJson)
  )
  .add(
    HttpApiEndpoint.get("getRun", "/workflows/:id/runs/:runId")
      .setPath(runPath)
      .addSuccess(Schema.Struct({ run: WorkflowRunView, steps: Schema.Array(WorkflowRunStepView) }))
      .addError(NotFoundJson)
  )
  // The older SDK's step routes: always 410 (or 404); the success shape is G1's, never sent.
  .add(
    HttpApiEndpoint.post("addStep", "/workflows/:id/steps")
      .setPath(idPath)
      .addSuccess(Success)
      .addError(GoneJson)
      .addError(NotFoundJson)
  )
  .add(
    HttpApiEndpoint.patch("updateStep", "/workflows/:id/steps/:stepId")
      .setPath(stepPath)
      .addSuccess(Success)
      .addError(GoneJson)
      .addError(NotFoundJson)
  )
  .add(
    HttpApiEndpoint.del("removeStep", "/workflows/:id/steps/:stepId")
      .setPath(stepPath)
      .addSuccess(Success)
      .addError(GoneJson)
      .addError(NotFoundJson)
  )
  .addError(ForbiddenJson)
  .middleware(FullAccess)
  .annotate(OpenApi.Title, "Workflows") {}
