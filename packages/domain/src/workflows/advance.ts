import { Either } from "effect"
import type { Contact } from "../contacts/Contact.js"
import type { ContactProperty } from "../contacts/Property.js"
import { type Engagement, matches, resolveRules } from "../contacts/SegmentRule.js"
import { LAST_INSTANT_MS } from "../Instant.js"
import { successor } from "./validateGraph.js"
import type { WorkflowRun } from "./Workflow.js"
import { durationMs, type Graph, type TypedNode } from "./WorkflowGraph.js"

/** A side effect a step asks for, as data; the worker performs it, idempotently. */
export type SideEffect =
  | {
      readonly _tag: "SendEmail"
      readonly templateId: string
      readonly from: string
      readonly subject: string | null
      readonly variables: Readonly<Record<string, string>>
      /** The same for every attempt of this step: a repeat after a crash sends nothing new. */
      readonly idempotencyKey: string
    }
  | {
      readonly _tag: "CallWebhook"
      readonly webhookId: string
      /** The node's label for what happened, carried in the body's `event`. */
      readonly event: string | undefined
      /** The event id the receiver sees, the same on every attempt and every repeat of the step. */
      readonly eventId: string
    }
  | {
      readonly _tag: "UpdateContact"
      readonly firstName?: string | null
      readonly lastName?: string | null
      readonly properties?: Readonly<Record<string, unknown>>
    }
  | { readonly _tag: "SetTopic"; readonly topicId: string; readonly subscribed: boolean }

/** Where the run goes once the step's effect is done. */
export type Next =
  | { readonly _tag: "Goto"; readonly node: string }
  | { readonly _tag: "Wait"; readonly until: Date }
  | { readonly _tag: "Complete" }
  | { readonly _tag: "Fail"; readonly reason: string }

export interface Decision {
  readonly node: string
  /** What happened at the node, for the run's history: `sent`, `waiting`, `match`, … */
  readonly outcome: string
  readonly effect: SideEffect | null
  readonly next: Next
}

/** What a step may need to know beyond the run: only conditions and event waits read it. */
export interface AdvanceInput {
  readonly graph: Graph
  readonly nodes: ReadonlyMap<string, TypedNode>
  readonly contact: Contact | null
  readonly properties: ReadonlyArray<ContactProperty>
  readonly engagement: Engagement
  /** Opens and clicks of the emails this run sent, by the node that sent them. */
  readonly sentEmails: ReadonlyMap<string, { readonly opened: boolean; readonly clicked: boolean }>
  /** The segments (by id) the contact belongs to, of those the current node names. */
  readonly segments: ReadonlySet<string>
  /** Custom events the contact raised since the run began waiting at its node. */
  readonly events: ReadonlySet<string>
}

/** FNV-1a, 64 bits, as hex: a short stable name for a node id of any characters. */
const fnv1a64 = (text: string): string => {
  let hash = 0xcbf29ce484222325n
  for (const byte of new TextEncoder().encode(text)) {
    hash ^= BigInt(byte)
    hash = (hash * 0x100000001b3n) & 0xffffffffffffffffn
  }
  return hash.toString(16).padStart(16, "0")
}

/**
 * The event id of a `webhook` step (`evt_wf…`): derived from the run and the node, so a step
 * repeated after a crash queues nothing new and the receiver can drop a second attempt by its id.
 */
export const workflowStepEventId = (runId: number, node: string): string => `evt_wf${runId}_${fnv1a64(node)}`

const onward = (input: AdvanceInput, node: string, branch: "match" | "no_match" | null = null): Next => {
  const to = successor(input.graph, node, branch)
  return to === null ? { _tag: "Complete" } : { _tag: "Goto", node: to }
}

const waitEnd = (node: Extract<TypedNode, { type: "wait" }>, now: Date): Date => {
  const c = node.config
  if (c.until !== undefined) return new Date(c.until)
  // A delay longer than what is left of 9999 ends at its last instant.
  const end = now.getTime() + (durationMs(c.delay ?? c.timeout ?? "1s") ?? 0)
  return new Date(Math.min(end, LAST_INSTANT_MS))
}

const holds = (node: Extract<TypedNode, { type: "condition" }>, input: AdvanceInput): boolean | string => {
  const c = node.config
  if (c.email !== undefined) {
    const sent = input.sentEmails.get(c.email.node)
    return sent !== undefined && (c.email.event === "opened" ? sent.opened || sent.clicked : sent.clicked)
  }
  if (c.segment_id !== undefined) return input.segments.has(c.segment_id)
  if (input.contact === null) return "the contact no longer exists"
  const rules = resolveRules(c.rules ?? { operator: "and", conditions: [] }, input.properties)
  if (Either.isLeft(rules)) return `rules ${rules.left.reason}`
  return matches(rules.right, input.contact, input.engagement)
}

/**
 * The run's next step: what happens at its current node, the side effect that asks for, and where
 * the run goes then. Pure; a step repeated after a crash decides the same (a wait's end is
 * computed once and kept on the run).
 */
export const advance = (run: WorkflowRun, input: AdvanceInput, now: Date): Decision => {
  const id = run.currentNodeId
  if (id === null) return { node: "", outcome: "completed", effect: null, next: { _tag: "Complete" } }
  const node = input.nodes.get(id)
  if (node === undefined)
    return {
      node: id,
      outcome: "failed",
      effect: null,
      next: { _tag: "Fail", reason: `node ${id} is no longer in the graph` }
    }
  const step = (outcome: string, effect: SideEffect | null, next: Next): Decision => ({
    node: id,
    outcome,
    effect,
    next
  })
  switch (node.type) {
    case "trigger":
      return step("entered", null, onward(input, id))
    case "send_email":
      if (input.contact === null)
        return step("failed", null, { _tag: "Fail", reason: "the contact no longer exists" })
      return step(
        "sent",
        {
          _tag: "SendEmail",
          templateId: node.config.template_id,
          from: node.config.from,
          subject: node.config.subject ?? null,
          variables: node.config.variables ?? {},
          idempotencyKey: `wf-run-${run.id}-${id}`
        },
        onward(input, id)
      )
    case "wait": {
      if (run.waitUntil === null) {
        const until = waitEnd(node, now)
        return until.getTime() <= now.getTime()
          ? step("waited", null, onward(input, id))
          : step("waiting", null, { _tag: "Wait", until })
      }
      if (node.config.event !== undefined && input.events.has(node.config.event))
        return step("event_received", null, onward(input, id))
      if (now.getTime() >= run.waitUntil.getTime())
        return step(node.config.event !== undefined ? "timed_out" : "waited", null, onward(input, id))
      return step("waiting", null, { _tag: "Wait", until: run.waitUntil })
    }
    case "condition": {
      const result = holds(node, input)
      if (typeof result === "string") return step("failed", null, { _tag: "Fail", reason: result })
      const branch = result ? "match" : "no_match"
      return step(branch, null, onward(input, id, branch))
    }
    case "webhook":
      return step(
        "queued",
        {
          _tag: "CallWebhook",
          webhookId: node.config.webhook_id,
          event: node.config.event,
          eventId: workflowStepEventId(run.id, id)
        },
        onward(input, id)
      )
    case "update_contact":
      if (input.contact === null)
        return step("failed", null, { _tag: "Fail", reason: "the contact no longer exists" })
      return step(
        "updated",
        {
          _tag: "UpdateContact",
          ...(node.config.first_name !== undefined ? { firstName: node.config.first_name } : {}),
          ...(node.config.last_name !== undefined ? { lastName: node.config.last_name } : {}),
          ...(node.config.properties !== undefined ? { properties: node.config.properties } : {})
        },
        onward(input, id)
      )
    case "subscribe_topic":
    case "unsubscribe_topic":
      return step(
        node.type === "subscribe_topic" ? "subscribed" : "unsubscribed",
        { _tag: "SetTopic", topicId: node.config.topic_id, subscribed: node.type === "subscribe_topic" },
        onward(input, id)
      )
    case "exit":
      return step("exited", null, { _tag: "Complete" })
  }
}
