import {
  PermissionDenied,
  StateConflict,
  type TeamId,
  TopicPublicId,
  type TriggerConfig,
  triggerProblem,
  ValidationFailed,
  type Workflow,
  WorkflowGraphInvalid,
  WorkflowNotFound,
  WorkflowPublicId,
  type WorkflowTriggerType
} from "@poststack/domain"
import { Effect, Option, Schema } from "effect"
import { TopicRepository } from "../../ports/TopicRepository.js"
import { WorkflowStore } from "../../ports/WorkflowStore.js"
import { authorize, type Principal, reachOf } from "../Principal.js"
import { GraphErrors } from "./WorkflowGraphs.js"

const isId = Schema.is(WorkflowPublicId)

/**
 * A workflow's mail is live, and a test key never hands mail to a mail server: it starts no run
 * and sets no workflow going.
 */
export const liveCaller = (caller: Principal, doing = "start workflow runs") =>
  reachOf(caller).mode === "test"
    ? Effect.fail(
        new PermissionDenied({
          message: `A test key cannot ${doing}: their mail is delivered. Use a live key`
        })
      )
    : Effect.void

/** The team's workflow, or `WorkflowNotFound` (another team's is not found either). */
export const findWorkflow = (teamId: Workflow["teamId"], id: string) =>
  Effect.gen(function* () {
    if (!isId(id)) return yield* new WorkflowNotFound({ id })
    const found = yield* (yield* WorkflowStore).get(teamId, id)
    if (Option.isNone(found)) return yield* new WorkflowNotFound({ id })
    return found.value
  })

/** The trigger's config fits its type, and a `contact.subscribed` topic is one of the team's. */
const checkTrigger = (teamId: TeamId, type: WorkflowTriggerType, config: TriggerConfig | null) =>
  Effect.gen(function* () {
    const problem = triggerProblem(type, config)
    if (problem !== null) return yield* new ValidationFailed({ message: problem })
    const topicId = config?.topic_id
    if (topicId === undefined) return
    const topic = Schema.is(TopicPublicId)(topicId)
      ? yield* (yield* TopicRepository).get(teamId, topicId)
      : Option.none()
    if (Option.isNone(topic))
      return yield* new ValidationFailed({ message: `trigger_config.topic_id: topic ${topicId} not found` })
  })

export const CreateWorkflow = Effect.fn("CreateWorkflow")(function* (
  caller: Principal,
  input: {
    readonly name: string
    readonly triggerType: WorkflowTriggerType
    readonly triggerConfig?: TriggerConfig | null | undefined
  }
) {
  const { teamId } = yield* authorize(caller, "workflows")
  if (input.name.trim() === "") return yield* new ValidationFailed({ message: "name must not be empty" })
  const triggerConfig = input.triggerConfig ?? null
  yield* checkTrigger(teamId, input.triggerType, triggerConfig)
  return yield* (yield* WorkflowStore).create(teamId, {
    name: input.name.trim(),
    triggerType: input.triggerType,
    triggerConfig
  })
})

export const ListWorkflows = Effect.fn("ListWorkflows")(function* (caller: Principal) {
  const { teamId } = yield* authorize(caller, "workflows")
  return yield* (yield* WorkflowStore).list(teamId)
})

export const GetWorkflow = Effect.fn("GetWorkflow")(function* (caller: Principal, id: string) {
  const { teamId } = yield* authorize(caller, "workflows")
  return yield* findWorkflow(teamId, id)
})

export const UpdateWorkflow = Effect.fn("UpdateWorkflow")(function* (
  caller: Principal,
  id: string,
  changes: {
    readonly name?: string | undefined
    readonly triggerType?: WorkflowTriggerType | undefined
    readonly triggerConfig?: TriggerConfig | null | undefined
  }
) {
  const { teamId } = yield* authorize(caller, "workflows")
  const current = yield* findWorkflow(teamId, id)
  if (changes.name !== undefined && changes.name.trim() === "")
    return yield* new ValidationFailed({ message: "name must not be empty" })
  const type = changes.triggerType ?? current.triggerType
  const config = changes.triggerConfig !== undefined ? changes.triggerConfig : current.triggerConfig
  yield* checkTrigger(teamId, type, config)
  const updated = yield* (yield* WorkflowStore).update(teamId, current.publicId, {
    ...(changes.name !== undefined ? { name: changes.name.trim() } : {}),
    ...(changes.triggerType !== undefined ? { triggerType: changes.triggerType } : {}),
    ...(changes.triggerConfig !== undefined ? { triggerConfig: changes.triggerConfig } : {})
  })
  return yield* Option.match(updated, {
    onNone: () => Effect.fail(new WorkflowNotFound({ id })),
    onSome: Effect.succeed
  })
})

/** Hides the workflow; runs in flight go on to their end. */
export const DeleteWorkflow = Effect.fn("DeleteWorkflow")(function* (caller: Principal, id: string) {
  const { teamId } = yield* authorize(caller, "workflows")
  const current = yield* findWorkflow(teamId, id)
  yield* (yield* WorkflowStore).remove(teamId, current.publicId)
})

/** Draft or paused to active, once the stored graph validates; 422 with every error otherwise. */
export const ActivateWorkflow = Effect.fn("ActivateWorkflow")(function* (caller: Principal, id: string) {
  const { teamId } = yield* authorize(caller, "workflows")
  yield* liveCaller(caller, "activate a workflow")
  const current = yield* findWorkflow(teamId, id)
  const errors = yield* GraphErrors(teamId, current.publicId, current.triggerType)
  if (errors.length > 0) return yield* new WorkflowGraphInvalid({ errors })
  const store = yield* WorkflowStore
  return Option.getOrElse(yield* store.setStatus(teamId, current.publicId, "active"), () => current)
})

/** Holds the workflow's runs where they are (and starts no new ones) until it is activated again. */
export const PauseWorkflow = Effect.fn("PauseWorkflow")(function* (caller: Principal, id: string) {
  const { teamId } = yield* authorize(caller, "workflows")
  const current = yield* findWorkflow(teamId, id)
  if (current.status === "draft")
    return yield* new StateConflict({ message: "A draft workflow is not running: activate it first" })
  return Option.getOrElse(
    yield* (yield* WorkflowStore).setStatus(teamId, current.publicId, "paused"),
    () => current
  )
})
