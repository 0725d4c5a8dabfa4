import type { Graph } from "@poststack/domain"
import { errorsByNode, layoutGraph, NODE_HEIGHT, NODE_WIDTH, type PlacedEdge } from "./layout"

const LABELS: Record<string, string> = {
  trigger: "Trigger",
  send_email: "Send email",
  wait: "Wait",
  condition: "Condition",
  webhook: "Webhook",
  update_contact: "Update contact",
  subscribe_topic: "Subscribe to topic",
  unsubscribe_topic: "Unsubscribe from topic",
  exit: "Exit"
}

/** What fits a node's width at the summary's size, ids' wide digits included. */
const SUMMARY_CHARS = 20

const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text)

/** A straight line down to a deeper node; round the right-hand side back up to an earlier one. */
const pathOf = (e: PlacedEdge) => {
  const x1 = e.from.x + NODE_WIDTH / 2
  const y1 = e.from.y + NODE_HEIGHT
  const x2 = e.to.x + NODE_WIDTH / 2
  const y2 = e.to.y
  if (!e.back) {
    const mid = (y1 + y2) / 2
    return `M ${x1} ${y1} C ${x1} ${mid}, ${x2} ${mid}, ${x2} ${y2 - 2}`
  }
  const side = Math.max(e.from.x, e.to.x) + NODE_WIDTH + 28
  const fy = e.from.y + NODE_HEIGHT / 2
  const ty = e.to.y + NODE_HEIGHT / 2
  return `M ${e.from.x + NODE_WIDTH} ${fy} C ${side} ${fy}, ${side} ${ty}, ${e.to.x + NODE_WIDTH + 2} ${ty}`
}

/**
 * The graph drawn as boxes and arrows, laid out by depth from the trigger: a condition's two
 * branches labelled, a node with validation errors outlined in red with its first error under it,
 * and, when a run is shown, the nodes it passed through highlighted and the one it is at ringed.
 */
export const WorkflowGraph = ({
  graph,
  name,
  errors,
  visited,
  current,
  templateNames
}: {
  readonly graph: Graph
  readonly name: string
  readonly errors: ReadonlyArray<string>
  readonly visited?: ReadonlyArray<string>
  readonly current?: string | null
  readonly templateNames?: ReadonlyMap<string, string>
}) => {
  const layout = layoutGraph(graph, templateNames)
  const problems = errorsByNode(errors)
  const passed = new Set(visited ?? [])
  const walked = (e: PlacedEdge) =>
    passed.has(e.from.id) && (passed.has(e.to.id) || current === e.to.id) && visited !== undefined
  if (layout.nodes.length === 0) return <p className="muted">This workflow has no nodes yet.</p>
  return (
    <div className="wf-canvas">
      <svg
        role="img"
        aria-label={`Graph of ${name}: ${layout.nodes.length} nodes`}
        width={layout.width}
        height={layout.height + 24}
        viewBox={`0 0 ${layout.width} ${layout.height + 24}`}
      >
        <defs>
          <marker
            id="wf-arrow"
            viewBox="0 0 10 10"
            refX="9"
            refY="5"
            markerUnits="userSpaceOnUse"
            markerWidth="10"
            markerHeight="10"
            orient="auto"
          >
            <path d="M 0 0 L 10 5 L 0 10 z" fill="#8a93a6" />
          </marker>
          <marker
            id="wf-arrow-walked"
            viewBox="0 0 10 10"
            refX="9"
            refY="5"
            markerUnits="userSpaceOnUse"
            markerWidth="10"
            markerHeight="10"
            orient="auto"
          >
            <path d="M 0 0 L 10 5 L 0 10 z" fill="#3b5bdb" />
          </marker>
        </defs>
        {layout.edges.map((e) => {
          const d = pathOf(e)
          const on = walked(e)
          // Beside the arrow, near its end, clear of the error line under the node it leaves.
          const lx = e.back
            ? Math.max(e.from.x, e.to.x) + NODE_WIDTH + 30
            : e.from.x + NODE_WIDTH / 2 + ((e.to.x - e.from.x) * 3) / 4 + 8
          const ly = e.back ? (e.from.y + e.to.y) / 2 + NODE_HEIGHT / 2 : e.to.y - 16
          return (
            <g key={`${e.from.id}->${e.to.id}:${e.branch ?? ""}`} data-edge={`${e.from.id}->${e.to.id}`}>
              <path
                d={d}
                className={on ? "wf-edge wf-edge-walked" : "wf-edge"}
                markerEnd={on ? "url(#wf-arrow-walked)" : "url(#wf-arrow)"}
              />
              {e.branch === null ? null : (
                <text
                  x={lx}
                  y={ly}
                  className={`wf-branch wf-branch-${e.branch}`}
                  textAnchor={e.back ? "middle" : "start"}
                  dominantBaseline="middle"
                >
                  {e.branch === "match" ? "yes" : "no"}
                </text>
              )}
            </g>
          )
        })}
        {layout.nodes.map((n) => {
          const wrong = problems.get(n.id)
          const classes = [
            "wf-node",
            `wf-node-${n.type}`,
            wrong === undefined ? "" : "wf-node-invalid",
            passed.has(n.id) ? "wf-node-visited" : "",
            current === n.id ? "wf-node-current" : ""
          ]
            .filter((c) => c !== "")
            .join(" ")
          return (
            <g
              key={n.id}
              className={classes}
              data-node={n.id}
              data-visited={passed.has(n.id) ? "true" : undefined}
              data-current={current === n.id ? "true" : undefined}
              data-invalid={wrong === undefined ? undefined : "true"}
            >
              <title>{`${LABELS[n.type] ?? n.type} ${n.id}${wrong === undefined ? "" : `: ${wrong.join("; ")}`}`}</title>
              <rect x={n.x} y={n.y} width={NODE_WIDTH} height={NODE_HEIGHT} rx="8" />
              <text x={n.x + 12} y={n.y + 22} className="wf-node-type">
                {clip(LABELS[n.type] ?? n.type, 22)}
              </text>
              <text x={n.x + NODE_WIDTH - 10} y={n.y + 22} className="wf-node-id" textAnchor="end">
                {clip(n.id, 10)}
              </text>
              <text x={n.x + 12} y={n.y + 43} className="wf-node-summary">
                {clip(n.summary, SUMMARY_CHARS)}
              </text>
              {wrong === undefined ? null : (
                <text
                  x={n.x + NODE_WIDTH / 2}
                  y={n.y + NODE_HEIGHT + 15}
                  className="wf-node-error"
                  textAnchor="middle"
                >
                  {clip(`⚠ ${wrong[0] ?? ""}`, 34)}
                </text>
              )}
            </g>
          )
        })}
      </svg>
    </div>
  )
}
