import { Either, ParseResult, Schema } from "effect"
import { SegmentRules } from "../contacts/SegmentRule.js"
import { isNameableInstant } from "../Instant.js"

export const NODE_TYPES = [
  "trigger",
  "send_email",
  "wait",
  "condition",
  "webhook",
  "update_contact",
  "subscribe_topic",
  "unsubscribe_topic",
  "exit"
] as const
export type NodeType = (typeof NODE_TYPES)[number]

/** The most nodes and edges one graph holds, and the most bytes one node's config takes as JSON. */
export const MAX_NODES = 200
export const MAX_EDGES = 400
export const MAX_CONFIG_BYTES = 8_192

/** `30s`, `15m`, `2h`, `3d` or `1w`: a wait's length. */
export const DURATION_PATTERN = /^([1-9][0-9]{0,5})(s|m|h|d|w)$/
const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const

/** A duration's milliseconds, or null when it is not one. */
export const durationMs = (text: string): number | null => {
  const m = DURATION_PATTERN.exec(text)
  if (m === null) return null
  return Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS]
}

const Duration = Schema.String.pipe(
  Schema.filter((s) => durationMs(s) !== null || "must be a duration such as 30s, 15m, 2h, 3d or 1w")
)
const NodeRef = Schema.String.pipe(Schema.minLength(1), Schema.maxLength(64))
const Text = (max: number) => Schema.String.pipe(Schema.maxLength(max))

/** Node configs, by type. Unknown keys are refused, so a typo is not silently ignored. */
export const NodeConfigs = {
  trigger: Schema.Struct({}),
  /** Renders the team's published template for the contact; `subject` overrides the template's. */
  send_email: Schema.Struct({
    template_id: Schema.String.pipe(
      Schema.pattern(/^tpl_[0-9a-f]{24}$/, { message: () => "must be a template id (tpl_…)" })
    ),
    from: Text(320).pipe(Schema.minLength(3)),
    subject: Schema.optional(Text(998)),
    variables: Schema.optional(Schema.Record({ key: Text(100), value: Text(2_000) }))
  }),
  /** Exactly one of: a `delay`, an `until` date-time, or an `event` with its `timeout`. */
  wait: Schema.Struct({
    delay: Schema.optional(Duration),
    until: Schema.optional(
      Schema.String.pipe(
        Schema.filter((s) => isNameableInstant(Date.parse(s)) || "must be an ISO date-time from 1970 to 9999")
      )
    ),
    event: Schema.optional(Text(100).pipe(Schema.minLength(1))),
    timeout: Schema.optional(Duration)
  }),
  /**
   * Exactly one of: `rules` (the segment rule language, on this contact), `segment_id` (the
   * contact is a member), or `email` (the contact opened or clicked the email node `node` sent).
   */
  condition: Schema.Struct({
    rules: Schema.optional(SegmentRules),
    segment_id: Schema.optional(Text(64)),
    email: Schema.optional(Schema.Struct({ node: NodeRef, event: Schema.Literal("opened", "clicked") }))
  }),
  /** A signed POST of the run's step to one of the team's webhooks (`wh_…`), its URL and secret. */
  webhook: Schema.Struct({
    webhook_id: Text(64).pipe(Schema.minLength(1)),
    event: Schema.optional(Text(100))
  }),
  update_contact: Schema.Struct({
    first_name: Schema.optional(Schema.NullOr(Text(200))),
    last_name: Schema.optional(Schema.NullOr(Text(200))),
    properties: Schema.optional(Schema.Record({ key: Text(100), value: Schema.Unknown }))
  }),
  subscribe_topic: Schema.Struct({ topic_id: Text(64).pipe(Schema.minLength(1)) }),
  unsubscribe_topic: Schema.Struct({ topic_id: Text(64).pipe(Schema.minLength(1)) }),
  exit: Schema.Struct({})
} as const satisfies Record<NodeType, Schema.Schema.AnyNoContext>

export type NodeConfig<T extends NodeType> = (typeof NodeConfigs)[T]["Type"]

/** A node as stored and shown; `config` is checked against its type's schema by `parseGraph`. */
export const GraphNode = Schema.Struct({
  public_id: NodeRef,
  type: Schema.String.pipe(Schema.maxLength(40)),
  config: Schema.optionalWith(Schema.Unknown, { default: () => ({}) }),
  canvas_x: Schema.optionalWith(Schema.Number, { default: () => 0 }),
  canvas_y: Schema.optionalWith(Schema.Number, { default: () => 0 })
})
export type GraphNode = typeof GraphNode.Type

export const Branch = Schema.Literal("match", "no_match")
export type Branch = typeof Branch.Type

export const GraphEdge = Schema.Struct({
  from_public_id: NodeRef,
  to_public_id: NodeRef,
  branch: Schema.optionalWith(Schema.NullOr(Branch), { default: () => null })
})
export type GraphEdge = typeof GraphEdge.Type

export const Graph = Schema.Struct({
  nodes: Schema.Array(GraphNode).pipe(Schema.maxItems(MAX_NODES)),
  edges: Schema.Array(GraphEdge).pipe(Schema.maxItems(MAX_EDGES))
})
export type Graph = typeof Graph.Type

export const emptyGraph: Graph = { nodes: [], edges: [] }

/** A node whose type is known and whose config has been decoded by that type's schema. */
export type TypedNode = {
  [T in NodeType]: { readonly id: string; readonly type: T; readonly config: NodeConfig<T> }
}[NodeType]

const isNodeType = (t: string): t is NodeType => (NODE_TYPES as ReadonlyArray<string>).includes(t)

const configProblem = (node: TypedNode): string | null => {
  switch (node.type) {
    case "wait": {
      const c = node.config
      const kinds = [c.delay, c.until, c.event].filter((v) => v !== undefined).length
      if (kinds !== 1) return "wait needs exactly one of delay, until or event"
      if (c.event !== undefined && c.timeout === undefined) return "a wait for an event needs a timeout"
      if (c.event === undefined && c.timeout !== undefined)
        return "timeout applies only to a wait for an event"
      return null
    }
    case "condition": {
      const c = node.config
      const kinds = [c.rules, c.segment_id, c.email].filter((v) => v !== undefined).length
      return kinds === 1 ? null : "condition needs exactly one of rules, segment_id or email"
    }
    default:
      return null
  }
}

/**
 * The well-formedness of a graph, node by node: known types, configs of the right shape and size,
 * unique ids, edges between existing nodes, branches only out of conditions. Each error names its
 * node. Anything that passes can be stored; `validateGraph` says whether it can run.
 */
export const parseGraph = (graph: Graph): Either.Either<ReadonlyArray<TypedNode>, ReadonlyArray<string>> => {
  const errors: Array<string> = []
  const typed: Array<TypedNode> = []
  const seen = new Set<string>()
  for (const node of graph.nodes) {
    const where = `node ${node.public_id}`
    if (seen.has(node.public_id)) errors.push(`${where}: public_id is used by more than one node`)
    seen.add(node.public_id)
    if (!isNodeType(node.type)) {
      errors.push(`${where}: unknown node type "${node.type}" (one of ${NODE_TYPES.join(", ")})`)
      continue
    }
    const size = new TextEncoder().encode(JSON.stringify(node.config ?? {})).length
    if (size > MAX_CONFIG_BYTES) {
      errors.push(`${where}: config is ${size} bytes, more than ${MAX_CONFIG_BYTES}`)
      continue
    }
    const decoded = Schema.decodeUnknownEither(NodeConfigs[node.type] as Schema.Schema<unknown>, {
      onExcessProperty: "error"
    })(node.config ?? {})
    if (Either.isLeft(decoded)) {
      const issues = ParseResult.ArrayFormatter.formatErrorSync(decoded.left)
      const first = issues[0]
      const path =
        first === undefined || first.path.length === 0 ? "config" : `config.${first.path.join(".")}`
      errors.push(`${where}: ${path} ${first?.message ?? "is invalid"}`)
      continue
    }
    const candidate = { id: node.public_id, type: node.type, config: decoded.right } as TypedNode
    const problem = configProblem(candidate)
    if (problem !== null) errors.push(`${where}: ${problem}`)
    else typed.push(candidate)
  }
  const types = new Map(graph.nodes.map((n) => [n.public_id, n.type]))
  for (const edge of graph.edges) {
    const label = `${edge.from_public_id} -> ${edge.to_public_id}`
    if (!types.has(edge.from_public_id))
      errors.push(`node ${edge.from_public_id}: edge ${label} starts at no node`)
    if (!types.has(edge.to_public_id)) errors.push(`node ${edge.to_public_id}: edge ${label} ends at no node`)
    const fromType = types.get(edge.from_public_id)
    if (edge.branch !== null && fromType !== undefined && fromType !== "condition")
      errors.push(`node ${edge.from_public_id}: only a condition's edges carry a branch (${label})`)
    if (edge.branch === null && fromType === "condition")
      errors.push(
        `node ${edge.from_public_id}: a condition's edge needs a branch, match or no_match (${label})`
      )
  }
  return errors.length > 0 ? Either.left(errors) : Either.right(typed)
}
