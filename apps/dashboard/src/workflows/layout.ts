import type { Graph } from "@poststack/domain"

export const NODE_WIDTH = 176
export const NODE_HEIGHT = 58
const COLUMN = 208
const ROW = 124
const MARGIN = 24

export interface PlacedNode {
  readonly id: string
  readonly type: string
  readonly summary: string
  readonly x: number
  readonly y: number
  readonly depth: number
}

export interface PlacedEdge {
  readonly from: PlacedNode
  readonly to: PlacedNode
  readonly branch: "match" | "no_match" | null
  /** An edge to a node no deeper than its start (a loop back through a wait): drawn round the side. */
  readonly back: boolean
}

export interface Layout {
  readonly nodes: ReadonlyArray<PlacedNode>
  readonly edges: ReadonlyArray<PlacedEdge>
  readonly width: number
  readonly height: number
}

const text = (value: unknown) => (typeof value === "string" ? value : "")

/**
 * One line saying what a node does, from its config; a send names its template by `templateNames`
 * (id to name) where the page knows it.
 */
export const summaryOf = (
  type: string,
  config: unknown,
  templateNames: ReadonlyMap<string, string> = new Map()
): string => {
  const c = (config ?? {}) as Record<string, unknown>
  switch (type) {
    case "send_email":
      return text(c.subject) || templateNames.get(text(c.template_id)) || text(c.template_id)
    case "wait":
      if (c.delay !== undefined) return `for ${text(c.delay)}`
      if (c.until !== undefined) return `until ${text(c.until).slice(0, 16)}`
      return `for "${text(c.event)}", ${text(c.timeout)} at most`
    case "condition": {
      const email = c.email as { node?: string; event?: string } | undefined
      if (email !== undefined) return `${text(email.node)} ${text(email.event)}?`
      if (c.segment_id !== undefined) return `in ${text(c.segment_id)}?`
      return "rules match?"
    }
    case "webhook":
      return `webhook ${text(c.webhook_id)}`
    case "subscribe_topic":
    case "unsubscribe_topic":
      return text(c.topic_id)
    case "update_contact":
      return Object.keys(c)
        .flatMap((k) => (k === "properties" ? Object.keys((c.properties ?? {}) as object) : [k]))
        .join(", ")
    default:
      return ""
  }
}

/**
 * Places the nodes in rows by their depth from the trigger (the fewest steps to reach them), in
 * the order they are reached, each row centred; nodes the trigger cannot reach go in a last row.
 */
export const layoutGraph = (graph: Graph, templateNames: ReadonlyMap<string, string> = new Map()): Layout => {
  const out = new Map<string, Array<string>>()
  for (const e of graph.edges)
    out.set(e.from_public_id, [...(out.get(e.from_public_id) ?? []), e.to_public_id])
  const known = new Set(graph.nodes.map((n) => n.public_id))
  const depth = new Map<string, number>()
  const order: Array<string> = []
  const start = graph.nodes.find((n) => n.type === "trigger")?.public_id
  if (start !== undefined) {
    depth.set(start, 0)
    const queue = [start]
    while (queue.length > 0) {
      const id = queue.shift() as string
      order.push(id)
      for (const next of out.get(id) ?? [])
        if (known.has(next) && !depth.has(next)) {
          depth.set(next, (depth.get(id) ?? 0) + 1)
          queue.push(next)
        }
    }
  }
  const deepest = Math.max(-1, ...depth.values())
  for (const n of graph.nodes)
    if (!depth.has(n.public_id)) {
      depth.set(n.public_id, deepest + 1)
      order.push(n.public_id)
    }
  const rows = new Map<number, Array<string>>()
  for (const id of order) {
    const d = depth.get(id) ?? 0
    rows.set(d, [...(rows.get(d) ?? []), id])
  }
  const widest = Math.max(1, ...[...rows.values()].map((r) => r.length))
  const width = widest * COLUMN + 2 * MARGIN + 40
  const byId = new Map(graph.nodes.map((n) => [n.public_id, n]))
  const placed = new Map<string, PlacedNode>()
  for (const [d, ids] of rows) {
    const left = MARGIN + ((widest - ids.length) * COLUMN) / 2
    ids.forEach((id, i) => {
      const node = byId.get(id)
      placed.set(id, {
        id,
        type: node?.type ?? "?",
        summary: summaryOf(node?.type ?? "", node?.config, templateNames),
        x: left + i * COLUMN + (COLUMN - NODE_WIDTH) / 2,
        y: MARGIN + d * ROW,
        depth: d
      })
    })
  }
  const edges = graph.edges.flatMap((e): Array<PlacedEdge> => {
    const from = placed.get(e.from_public_id)
    const to = placed.get(e.to_public_id)
    if (from === undefined || to === undefined) return []
    return [{ from, to, branch: e.branch, back: to.depth <= from.depth }]
  })
  const rowsUsed = rows.size === 0 ? 0 : Math.max(...rows.keys()) + 1
  return {
    nodes: [...placed.values()],
    edges,
    width,
    height: rowsUsed * ROW + 2 * MARGIN - (ROW - NODE_HEIGHT)
  }
}

/** The errors of a validation, by the node each names (`node <id>: …`); the rest under `""`. */
export const errorsByNode = (errors: ReadonlyArray<string>): ReadonlyMap<string, ReadonlyArray<string>> => {
  const map = new Map<string, Array<string>>()
  for (const error of errors) {
    const m = /^node (\S+?): (.*)$/.exec(error)
    const key = m?.[1] ?? ""
    map.set(key, [...(map.get(key) ?? []), m?.[2] ?? error])
  }
  return map
}
