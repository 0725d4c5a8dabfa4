import { Schema } from "effect"
import type { TeamId } from "../Team.js"

/** A workflow's public id: `wf_` and 24 hex digits. */
export const WorkflowPublicId = Schema.String.pipe(
  Schema.pattern(/^wf_[0-9a-f]{24}$/, { message: () => "must be a workflow id (wf_…)" }),
  Schema.brand("WorkflowPublicId")
)
export type WorkflowPublicId = typeof WorkflowPublicId.Type

export const newWorkflowPublicId = (): WorkflowPublicId =>
  `wf_${crypto.randomUUID().replaceAll("-", "").slice(0, 24)}` as WorkflowPublicId

export const WorkflowStatus = Schema.Literal("draft", "active", "paused")
export type WorkflowStatus = typeof WorkflowStatus.Type

export const WorkflowTriggerType = Schema.Literal(
  "contact.created",
  "contact.updated",
  "contact.subscribed",
  "custom",
  "manual"
)
export type WorkflowTriggerType = typeof WorkflowTriggerType.Type

/**
 * What a trigger listens for beyond its type: `event` names a custom event (case-sensitive),
 * `topic_id` narrows `contact.subscribed` to one topic, `allow_reentry` lets a contact hold more
 * than one running run of the workflow at a time.
 */
export const TriggerConfig = Schema.Struct({
  event: Schema.optional(Schema.String.pipe(Schema.minLength(1), Schema.maxLength(100))),
  topic_id: Schema.optional(Schema.String.pipe(Schema.maxLength(64))),
  allow_reentry: Schema.optional(Schema.Boolean)
})
export type TriggerConfig = typeof TriggerConfig.Type

/** A custom trigger needs its event's name; the other types take none. */
export const triggerProblem = (type: WorkflowTriggerType, config: TriggerConfig | null): string | null => {
  if (type === "custom" && (config?.event === undefined || config.event.length === 0))
    return "trigger_config.event is required for a custom trigger"
  if (type !== "custom" && config?.event !== undefined)
    return "trigger_config.event applies only to custom triggers"
  if (type !== "contact.subscribed" && config?.topic_id !== undefined)
    return "trigger_config.topic_id applies only to contact.subscribed triggers"
  return null
}

export interface Workflow {
  readonly id: number
  readonly publicId: WorkflowPublicId
  readonly teamId: TeamId
  readonly name: string
  readonly triggerType: WorkflowTriggerType
  readonly triggerConfig: TriggerConfig | null
  readonly status: WorkflowStatus
  readonly createdAt: Date
  readonly updatedAt: Date
}

export const WorkflowRunStatus = Schema.Literal("running", "completed", "failed", "stopped")
export type WorkflowRunStatus = typeof WorkflowRunStatus.Type

/** One contact's way through one workflow. */
export interface WorkflowRun {
  readonly id: number
  readonly workflowId: number
  readonly teamId: TeamId
  readonly contactId: number
  readonly status: WorkflowRunStatus
  readonly currentNodeId: string | null
  readonly nodesVisited: ReadonlyArray<string>
  /** Set while the run waits at its current node: the moment the wait ends. */
  readonly waitUntil: Date | null
  readonly startedAt: Date
  readonly completedAt: Date | null
}

/** One step of a run's history: the node, what happened there, when. */
export interface WorkflowRunStep {
  readonly nodeId: string
  readonly outcome: string
  readonly detail: Readonly<Record<string, unknown>> | null
  readonly at: Date
}
