import { HttpApiBuilder } from "@effect/platform"
import {
  ActivateWorkflow,
  CreateWorkflow,
  DeleteWorkflow,
  findWorkflow,
  GetWorkflow,
  GetWorkflowGraph,
  ListWorkflows,
  PauseWorkflow,
  PostWorkflowEvent,
  PutWorkflowGraph,
  TriggerWorkflow,
  UpdateWorkflow,
  ValidateWorkflow,
  WorkflowStore,
  authorize
} from "@poststack/application"
import { type Workflow, type WorkflowRun, WorkflowNotFound, WorkflowStepsRemoved } from "@poststack/domain"
import { Api, CurrentPrincipal, WorkflowRunView, WorkflowView } from "@poststack/contract"
import { Effect, Option } from "effect"

const workflowView = (w: Workflow) =>
  WorkflowView.make(
    {
      id: w.id,
      publicId: w.publicId,
      name: w.name,
      triggerType: w.triggerType,
      triggerConfig: w.triggerConfig,
      status: w.status,
      createdAt: w.createdAt,
      updatedAt: w.updatedAt
    },
    { disableValidation: true }
  )

export const workflowRunView = (r: WorkflowRun) =>
  WorkflowRunView.make(
    {
      id: r.id,
      workflowId: r.workflowId,
      contactId: r.contactId,
      status: r.status,
      currentNodeId: r.currentNodeId,
      nodesVisited: r.nodesVisited,
      waitUntil: r.waitUntil,
      startedAt: r.startedAt,
      completedAt: r.completedAt
    },
    { disableValidation: true }
  )

const envelope = (w: Workflow) => ({ workflow: workflowView(w) })
const as = <A, E, R>(use: (caller: CurrentPrincipal["Type"]) => Effect.Effect<A, E, R>) =>
  Effect.flatMap(CurrentPrincipal, use)
/** The older SDK's step routes: 404 for a workflow that is not the team's, 410 for one that is. */
const gone = (id: string) =>
  as((c) =>
    Effect.gen(function* () {
      const { teamId } = yield* authorize(c, "workflows")
      yield* findWorkflow(teamId, id)
      return yield* new WorkflowStepsRemoved()
    })
  )

export const WorkflowsLive = HttpApiBuilder.group(Api, "workflows", (handlers) =>
  handlers
    .handle("list", () =>
      as((c) => ListWorkflows(c)).pipe(Effect.map((ws) => ({ data: ws.map(workflowView) })))
    )
    .handle("create", ({ payload }) => as((c) => CreateWorkflow(c, payload)).pipe(Effect.map(envelope)))
    .handle("postEvent", ({ payload }) => as((c) => PostWorkflowEvent(c, payload)))
    .handle("get", ({ path }) => as((c) => GetWorkflow(c, path.id)).pipe(Effect.map(envelope)))
    .handle("update", ({ path, payload }) =>
      as((c) => UpdateWorkflow(c, path.id, payload)).pipe(Effect.map(envelope))
    )
    .handle("delete", ({ path }) =>
      as((c) => DeleteWorkflow(c, path.id)).pipe(
        Effect.as({ success: true as const, deleted: true as const })
      )
    )
    .handle("getGraph", ({ path }) =>
      as((c) => GetWorkflowGraph(c, path.id)).pipe(Effect.map((graph) => ({ graph })))
    )
    .handle("putGraph", ({ path, payload }) =>
      as((c) => PutWorkflowGraph(c, path.id, payload)).pipe(Effect.map((graph) => ({ graph })))
    )
    .handle("validate", ({ path }) =>
      as((c) => ValidateWorkflow(c, path.id)).pipe(
        Effect.map((errors) => (errors.length === 0 ? { valid: true } : { valid: false, errors }))
      )
    )
    .handle("activate", ({ path }) => as((c) => ActivateWorkflow(c, path.id)).pipe(Effect.map(envelope)))
    .handle("pause", ({ path }) => as((c) => PauseWorkflow(c, path.id)).pipe(Effect.map(envelope)))
    .handle("trigger", ({ path, payload }) =>
      as((c) => TriggerWorkflow(c, path.id, payload.contactId)).pipe(
        Effect.map((run) => ({ run: workflowRunView(run), success: true as const }))
      )
    )
    .handle("listRuns", ({ path }) =>
      as((c) =>
        Effect.gen(function* () {
          const { teamId } = yield* authorize(c, "workflows")
          const workflow = yield* findWorkflow(teamId, path.id)
          const runs = yield* (yield* WorkflowStore).listRuns(teamId, workflow.publicId, 100)
          return { data: runs.map(workflowRunView) }
        })
      )
    )
    .handle("getRun", ({ path }) =>
      as((c) =>
        Effect.gen(function* () {
          const { teamId } = yield* authorize(c, "workflows")
          const workflow = yield* findWorkflow(teamId, path.id)
          const store = yield* WorkflowStore
          const run = yield* store.getRun(teamId, path.runId)
          if (Option.isNone(run) || run.value.workflowId !== workflow.id)
            return yield* new WorkflowNotFound({ id: `${path.id}/runs/${path.runId}` })
          return { run: workflowRunView(run.value), steps: yield* store.runSteps(teamId, path.runId) }
        })
      )
    )
    .handle("addStep", ({ path }) => gone(path.id))
    .handle("updateStep", ({ path }) => gone(path.id))
    .handle("removeStep", ({ path }) => gone(path.id))
)
