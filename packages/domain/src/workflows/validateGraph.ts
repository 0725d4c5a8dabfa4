import { Either } from "effect"
import type { ContactProperty } from "../contacts/Property.js"
import { resolveRules } from "../contacts/SegmentRule.js"
import { type Graph, parseGraph, type TypedNode } from "./WorkflowGraph.js"

/** What the team holds that a graph may name: the ids that exist, and the contact properties. */
export interface GraphReferences {
  readonly templates: ReadonlySet<string>
  /** The team's templates named but not published (absent from `templates`): a send needs a published one. */
  readonly draftTemplates?: ReadonlySet<string>
  readonly segments: ReadonlySet<string>
  readonly topics: ReadonlySet<string>
  readonly webhooks: ReadonlySet<string>
  readonly properties: ReadonlyArray<ContactProperty>
}

/** The ids a graph names, by kind, for the caller to look up in the team. */
export const referencesOf = (nodes: ReadonlyArray<TypedNode>) => {
  const templates = new Set<string>()
  const segments = new Set<string>()
  const topics = new Set<string>()
  const webhooks = new Set<string>()
  for (const node of nodes) {
    if (node.type === "send_email") templates.add(node.config.template_id)
    if (node.type === "condition" && node.config.segment_id !== undefined)
      segments.add(node.config.segment_id)
    if (node.type === "subscribe_topic" || node.type === "unsubscribe_topic") topics.add(node.config.topic_id)
    if (node.type === "webhook") webhooks.add(node.config.webhook_id)
  }
  return { templates, segments, topics, webhooks }
}

/** The node following `id` on its one plain edge, or along the given branch. */
export const successor = (
  graph: Graph,
  id: string,
  branch: "match" | "no_match" | null = null
): string | null =>
  graph.edges.find((e) => e.from_public_id === id && e.branch === branch)?.to_public_id ?? null

/**
 * Whether the graph can run, every error naming its node: it is well formed (`parseGraph`), has
 * exactly one trigger and nothing before it, every node is reachable from the trigger, every
 * cycle passes through a wait, a condition has both branches wired and other nodes at most one
 * way on (an exit none), and every template, segment, topic, webhook and property it names is
 * the team's. An empty list means valid.
 */
export const validateGraph = (graph: Graph, refs: GraphReferences): ReadonlyArray<string> => {
  const parsed = parseGraph(graph)
  if (Either.isLeft(parsed)) return parsed.left
  const nodes = parsed.right
  const errors: Array<string> = []
  const byId = new Map(nodes.map((n) => [n.id, n]))
  const out = new Map<string, Array<{ to: string; branch: string | null }>>()
  const into = new Map<string, number>()
  for (const e of graph.edges) {
    out.set(e.from_public_id, [
      ...(out.get(e.from_public_id) ?? []),
      { to: e.to_public_id, branch: e.branch }
    ])
    into.set(e.to_public_id, (into.get(e.to_public_id) ?? 0) + 1)
  }
  const triggers = nodes.filter((n) => n.type === "trigger")
  if (triggers.length === 0) errors.push("graph: needs exactly one trigger node, has none")
  if (triggers.length > 1)
    for (const t of triggers.slice(1)) errors.push(`node ${t.id}: a graph has exactly one trigger node`)
  const trigger = triggers[0]
  if (trigger !== undefined && (into.get(trigger.id) ?? 0) > 0)
    errors.push(`node ${trigger.id}: nothing may lead into the trigger`)

  for (const node of nodes) {
    const edges = out.get(node.id) ?? []
    const where = `node ${node.id}`
    if (node.type === "condition") {
      for (const branch of ["match", "no_match"] as const) {
        const n = edges.filter((e) => e.branch === branch).length
        if (n === 0) errors.push(`${where}: the ${branch} branch is not wired`)
        if (n > 1) errors.push(`${where}: the ${branch} branch is wired more than once`)
      }
    } else if (node.type === "exit") {
      if (edges.length > 0) errors.push(`${where}: an exit leads nowhere`)
    } else if (edges.length > 1)
      errors.push(`${where}: has ${edges.length} ways on; only a condition branches`)
    if (edges.some((e) => e.to === node.id) && node.type !== "wait")
      errors.push(`${where}: leads into itself`)
  }

  if (trigger !== undefined) {
    const reached = new Set<string>([trigger.id])
    const stack = [trigger.id]
    while (stack.length > 0) {
      const id = stack.pop() as string
      for (const e of out.get(id) ?? [])
        if (!reached.has(e.to)) {
          reached.add(e.to)
          stack.push(e.to)
        }
    }
    for (const node of nodes)
      if (!reached.has(node.id)) errors.push(`node ${node.id}: cannot be reached from the trigger`)
  }

  // A cycle with no wait on it would run forever in one go: look for cycles among the other nodes.
  const state = new Map<string, 1 | 2>()
  const reported = new Set<string>()
  const visit = (id: string, path: Array<string>) => {
    state.set(id, 1)
    path.push(id)
    for (const e of out.get(id) ?? []) {
      const next = byId.get(e.to)
      if (next === undefined || next.type === "wait") continue
      if (state.get(e.to) === 1) {
        const cycle = path.slice(path.indexOf(e.to))
        const key = [...cycle].sort().join(",")
        if (!reported.has(key) && !(cycle.length === 1 && cycle[0] === id)) {
          reported.add(key)
          errors.push(`node ${e.to}: is on a cycle with no wait (${[...cycle, e.to].join(" -> ")})`)
        }
      } else if (state.get(e.to) === undefined) visit(e.to, path)
    }
    path.pop()
    state.set(id, 2)
  }
  for (const node of nodes) if (node.type !== "wait" && state.get(node.id) === undefined) visit(node.id, [])

  for (const node of nodes) {
    const where = `node ${node.id}`
    switch (node.type) {
      case "send_email":
        if (refs.draftTemplates?.has(node.config.template_id) === true)
          errors.push(`${where}: template ${node.config.template_id} is a draft: publish it first`)
        else if (!refs.templates.has(node.config.template_id))
          errors.push(`${where}: template ${node.config.template_id} not found`)
        break
      case "condition": {
        const c = node.config
        if (c.segment_id !== undefined && !refs.segments.has(c.segment_id))
          errors.push(`${where}: segment ${c.segment_id} not found`)
        if (c.email !== undefined && byId.get(c.email.node)?.type !== "send_email")
          errors.push(`${where}: email.node ${c.email.node} is not a send_email node of this graph`)
        if (c.rules !== undefined) {
          const resolved = resolveRules(c.rules, refs.properties)
          if (Either.isLeft(resolved)) errors.push(`${where}: rules ${resolved.left.reason}`)
          else if (resolved.right.conditions.some((r) => r._tag === "Behaviour"))
            errors.push(
              `${where}: rules on emailsOpened/emailsClicked do not apply here; use an email condition`
            )
        }
        break
      }
      case "subscribe_topic":
      case "unsubscribe_topic":
        if (!refs.topics.has(node.config.topic_id))
          errors.push(`${where}: topic ${node.config.topic_id} not found`)
        break
      case "webhook":
        if (!refs.webhooks.has(node.config.webhook_id))
          errors.push(`${where}: webhook ${node.config.webhook_id} not found`)
        break
      case "update_contact":
        for (const name of Object.keys(node.config.properties ?? {}))
          if (!refs.properties.some((p) => p.name === name))
            errors.push(`${where}: no contact property named "${name}"`)
        break
      default:
        break
    }
  }
  return errors
}
