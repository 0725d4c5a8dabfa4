import { Schema } from "effect"
import { ContactEventData } from "./ContactEvents.js"
import { eventSchema, optional, Timestamp } from "./Event.js"

/** A run as its events carry it: the workflow, the run, the contact, where it is and why it ended. */
export const WorkflowRunEventData = {
  workflow_id: Schema.String,
  run_id: Schema.Number,
  contact_id: Schema.String,
  status: Schema.Literal("running", "completed", "failed", "stopped"),
  /** The node the run is at (started) or ended at (completed, failed). */
  node_id: Schema.NullOr(Schema.String),
  nodes_visited: Schema.Array(Schema.String),
  /** Why a failed run failed. */
  reason: optional(Schema.String),
  started_at: Timestamp,
  completed_at: Schema.NullOr(Timestamp)
}

export const WorkflowRunStarted = eventSchema("workflow.run.started", WorkflowRunEventData)
export const WorkflowRunCompleted = eventSchema("workflow.run.completed", WorkflowRunEventData)
export const WorkflowRunFailed = eventSchema("workflow.run.failed", WorkflowRunEventData)

/**
 * What a `webhook` node POSTs, to the one endpoint it names (never fanned out to the team's
 * others): the run, the node, the node's `event` label when it has one, and the contact.
 */
export const WorkflowWebhook = eventSchema("workflow.webhook", {
  workflow_id: Schema.String,
  run_id: Schema.Number,
  node_id: Schema.String,
  event: optional(Schema.String),
  contact: Schema.Struct(ContactEventData)
})

export const WorkflowWebhookEvent = Schema.Union(
  WorkflowRunStarted,
  WorkflowRunCompleted,
  WorkflowRunFailed,
  WorkflowWebhook
)
export type WorkflowWebhookEvent = typeof WorkflowWebhookEvent.Type
export type WorkflowEventType = WorkflowWebhookEvent["type"]
