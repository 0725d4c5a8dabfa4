import type { Contact } from "../contacts/Contact.js"
import { contactEventData } from "../contacts/Contact.js"
import { type EncodedWebhookEvent, encodeWebhookEvent } from "../events/WebhookEvent.js"
import type { Next } from "./advance.js"
import type { WorkflowRun } from "./Workflow.js"

/** Who a run's events name: its workflow and its contact, by their public ids. */
export interface RunNames {
  readonly workflowId: string
  readonly contactId: string
}

/**
 * The `workflow.run.*` events one recorded step writes to the outbox: `started` as the run leaves
 * its trigger node, `completed` or `failed` as it ends. A step that neither starts nor ends a run
 * writes none. Pure: the adapter writes them with the step, in one statement.
 */
export const runEvents = (
  run: WorkflowRun,
  step: { readonly node: string; readonly outcome: string },
  move: Next,
  names: RunNames,
  now: Date
): ReadonlyArray<EncodedWebhookEvent> => {
  const base = {
    workflow_id: names.workflowId,
    run_id: run.id,
    contact_id: names.contactId,
    started_at: run.startedAt.toISOString()
  }
  const visited = move._tag === "Wait" ? run.nodesVisited : [...run.nodesVisited, step.node]
  const events: Array<EncodedWebhookEvent> = []
  if (step.outcome === "entered")
    events.push(
      encodeWebhookEvent({
        type: "workflow.run.started",
        data: { ...base, status: "running", node_id: step.node, nodes_visited: [], completed_at: null }
      })
    )
  if (move._tag === "Complete")
    events.push(
      encodeWebhookEvent({
        type: "workflow.run.completed",
        data: {
          ...base,
          status: "completed",
          node_id: step.node === "" ? null : step.node,
          nodes_visited: visited,
          completed_at: now.toISOString()
        }
      })
    )
  if (move._tag === "Fail")
    events.push(
      encodeWebhookEvent({
        type: "workflow.run.failed",
        data: {
          ...base,
          status: "failed",
          node_id: step.node === "" ? null : step.node,
          nodes_visited: visited,
          reason: move.reason,
          completed_at: now.toISOString()
        }
      })
    )
  return events
}

/** The body a `webhook` node POSTs: the run, the node, its `event` label, and the contact as it is now. */
export const workflowWebhookEvent = (input: {
  readonly workflowId: string
  readonly runId: number
  readonly nodeId: string
  readonly event: string | undefined
  readonly contact: Contact
}): EncodedWebhookEvent =>
  encodeWebhookEvent({
    type: "workflow.webhook",
    data: {
      workflow_id: input.workflowId,
      run_id: input.runId,
      node_id: input.nodeId,
      ...(input.event !== undefined ? { event: input.event } : {}),
      contact: contactEventData(input.contact)
    }
  })
