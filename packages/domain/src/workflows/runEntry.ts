import { Either } from "effect"
import type { TeamId } from "../Team.js"
import { type AdvanceInput, advance } from "./advance.js"
import type { WorkflowRun } from "./Workflow.js"
import { type Graph, parseGraph } from "./WorkflowGraph.js"

/**
 * The steps every new run of a graph takes the moment it starts, whoever its contact: its trigger
 * leads straight to a wait of fixed length (`delay`), so each run is entered, then waits until its
 * start plus that delay. A store may write a new run as it stands after them (waiting at `node`,
 * `visited` left behind, both `steps` in its history), so that the worker first claims it when
 * the wait is over rather than once to reach the wait and again after it.
 */
export interface RunEntry {
  /** The wait the run starts at. */
  readonly node: string
  readonly delayMs: number
  readonly visited: ReadonlyArray<string>
  /** The history of the two steps, in order: the trigger's, then the wait's (which waits until start + delay). */
  readonly steps: ReadonlyArray<{ readonly node: string; readonly outcome: string }>
}

/** The longest delay a `RunEntry` takes: a hundred years. */
export const MAX_ENTRY_DELAY_MS = 100 * 365 * 86_400_000

/**
 * A graph's `RunEntry`, decided by `advance` itself for a run at its trigger; null for a graph that
 * does not parse or does not begin with a trigger and a `delay` wait (a wait until a date or for an
 * event, or any other node, is the worker's to take).
 */
export const runEntry = (graph: Graph): RunEntry | null => {
  const parsed = parseGraph(graph)
  if (Either.isLeft(parsed)) return null
  const nodes = new Map(parsed.right.map((n) => [n.id, n]))
  const trigger = parsed.right.find((n) => n.type === "trigger")
  if (trigger === undefined) return null
  const start = new Date(0)
  const input: AdvanceInput = {
    graph,
    nodes,
    contact: null,
    properties: [],
    engagement: { now: start, events: [] },
    sentEmails: new Map(),
    segments: new Set(),
    events: new Set()
  }
  const run: WorkflowRun = {
    id: 0,
    workflowId: 0,
    teamId: 0 as TeamId,
    contactId: 0,
    status: "running",
    currentNodeId: trigger.id,
    nodesVisited: [],
    waitUntil: null,
    startedAt: start,
    completedAt: null
  }
  const entered = advance(run, input, start)
  if (entered.effect !== null || entered.next._tag !== "Goto") return null
  const wait = nodes.get(entered.next.node)
  if (wait?.type !== "wait" || wait.config.delay === undefined) return null
  const waiting = advance({ ...run, currentNodeId: wait.id, nodesVisited: [trigger.id] }, input, start)
  if (waiting.effect !== null || waiting.next._tag !== "Wait") return null
  const delayMs = waiting.next.until.getTime() - start.getTime()
  // A wait of centuries is the worker's: its end, written as an ISO date, must stay in years 0-9999.
  if (delayMs > MAX_ENTRY_DELAY_MS) return null
  return {
    node: wait.id,
    delayMs,
    visited: [trigger.id],
    steps: [
      { node: entered.node, outcome: entered.outcome },
      { node: waiting.node, outcome: waiting.outcome }
    ]
  }
}
