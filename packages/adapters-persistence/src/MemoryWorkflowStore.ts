import { type ClaimedRun, EmailRepository, WorkflowStore } from "@poststack/application"
import {
  emptyGraph,
  type Graph,
  newWorkflowPublicId,
  runEntry,
  type Workflow,
  type WorkflowRun,
  type WorkflowRunStep
} from "@poststack/domain"
import { Clock, Effect, Layer, Option } from "effect"

interface StoredWorkflow {
  workflow: Workflow
  graph: Graph
  deleted: boolean
}

interface StoredRun {
  run: WorkflowRun
  readonly exclusive: boolean
  readonly contactPublicId: string
  events: Array<string>
  dueAt: number | null
  leaseUntil: number
  attempts: number
  steps: Array<WorkflowRunStep>
}

/**
 * Workflows and runs in process memory, by the rules of `PgWorkflowStore`. It has no outbox and
 * no email events: `consumeContactEvents` reads nothing, a step's `workflow.run.*` events are not
 * kept, `sentEmails` reports no opens, and a queued webhook step is only a delivery id.
 */
export const make = Effect.gen(function* () {
  // A send step's email goes to the email store; one process, so nothing comes between the two.
  const emails = yield* EmailRepository
  const workflows: Array<StoredWorkflow> = []
  const runs: Array<StoredRun> = []
  let nextId = 0
  let nextRun = 0
  // Webhook steps queued, by team, endpoint and event id: the delivery's id.
  const webhookDeliveries = new Map<string, number>()
  const live = (teamId: number, id: string) =>
    workflows.find((w) => w.workflow.teamId === teamId && w.workflow.publicId === id && !w.deleted)
  const now = Effect.map(Clock.currentTimeMillis, (ms) => new Date(ms))
  const triggerOf = (g: Graph) => g.nodes.find((n) => n.type === "trigger")?.public_id ?? null

  const start = (
    w: StoredWorkflow,
    contact: { id: number; publicId: string },
    at: Date
  ): WorkflowRun | null => {
    const exclusive = w.workflow.triggerConfig?.allow_reentry !== true
    if (
      exclusive &&
      runs.some(
        (r) =>
          r.exclusive &&
          r.run.workflowId === w.workflow.id &&
          r.run.contactId === contact.id &&
          r.run.status === "running"
      )
    )
      return null
    // Already waiting at the graph's first delay wait where it has one (no endpoint listens here).
    const entry = runEntry(w.graph)
    const waitUntil = entry === null ? null : new Date(at.getTime() + entry.delayMs)
    const run: WorkflowRun = {
      id: ++nextRun,
      workflowId: w.workflow.id,
      teamId: w.workflow.teamId,
      contactId: contact.id,
      status: "running",
      currentNodeId: entry?.node ?? triggerOf(w.graph),
      nodesVisited: entry?.visited ?? [],
      waitUntil,
      startedAt: at,
      completedAt: null
    }
    runs.push({
      run,
      exclusive,
      contactPublicId: contact.publicId,
      events: [],
      dueAt: (waitUntil ?? at).getTime(),
      leaseUntil: 0,
      attempts: 0,
      steps: (entry?.steps ?? []).map((step, i, all) => ({
        nodeId: step.node,
        outcome: step.outcome,
        detail: i === all.length - 1 && waitUntil !== null ? { wait_until: waitUntil.toISOString() } : null,
        at
      }))
    })
    return run
  }
  const change = (teamId: number, id: string, f: (w: Workflow, at: Date) => Workflow) =>
    Effect.map(now, (at) => {
      const w = live(teamId, id)
      if (w === undefined) return Option.none<Workflow>()
      w.workflow = f(w.workflow, at)
      return Option.some(w.workflow)
    })
  const held = (c: ClaimedRun) => runs.find((r) => r.run.id === c.run.id && r.attempts === c.attempt)

  const recordStep: WorkflowStore["Type"]["recordStep"] = (claim, steps, move, hold = false) =>
    Effect.map(now, (at) => {
      const r = held(claim)
      const lastStep = steps[steps.length - 1]
      if (r === undefined || r.run.status !== "running" || lastStep === undefined) return false
      const waits = move._tag === "Wait"
      const left = (waits ? steps.slice(0, -1) : steps).map((s) => s.node)
      const status = move._tag === "Complete" ? "completed" : move._tag === "Fail" ? "failed" : "running"
      r.run = {
        ...r.run,
        status,
        currentNodeId: move._tag === "Goto" ? move.node : waits ? lastStep.node : null,
        nodesVisited: [...r.run.nodesVisited, ...left],
        waitUntil: waits ? move.until : null,
        completedAt: status === "running" ? null : at
      }
      if (left.length > 0) r.events = []
      r.dueAt = waits ? move.until.getTime() : move._tag === "Goto" ? at.getTime() : null
      if (!(hold && move._tag === "Goto")) r.leaseUntil = 0
      steps.forEach((step, i) => {
        const detail =
          move._tag === "Fail" && i === steps.length - 1
            ? { ...step.detail, reason: move.reason }
            : step.detail
        r.steps.push({ nodeId: step.node, outcome: step.outcome, detail, at })
      })
      return true
    })

  return WorkflowStore.of({
    create: (teamId, f) =>
      Effect.map(now, (at) => {
        const workflow: Workflow = {
          id: ++nextId,
          publicId: newWorkflowPublicId(),
          teamId,
          name: f.name,
          triggerType: f.triggerType,
          triggerConfig: f.triggerConfig,
          status: "draft",
          createdAt: at,
          updatedAt: at
        }
        workflows.push({ workflow, graph: emptyGraph, deleted: false })
        return workflow
      }),
    list: (teamId) =>
      Effect.sync(() =>
        workflows.filter((w) => w.workflow.teamId === teamId && !w.deleted).map((w) => w.workflow)
      ),
    get: (teamId, id) =>
      Effect.sync(() => Option.map(Option.fromNullable(live(teamId, id)), (w) => w.workflow)),
    update: (teamId, id, c) =>
      change(teamId, id, (w, at) => ({
        ...w,
        ...(c.name !== undefined ? { name: c.name } : {}),
        ...(c.triggerType !== undefined ? { triggerType: c.triggerType } : {}),
        ...(c.triggerConfig !== undefined ? { triggerConfig: c.triggerConfig } : {}),
        updatedAt: at
      })),
    setStatus: (teamId, id, status) => change(teamId, id, (w, at) => ({ ...w, status, updatedAt: at })),
    remove: (teamId, id) =>
      Effect.sync(() => {
        const w = live(teamId, id)
        if (w === undefined) return false
        w.deleted = true
        return true
      }),
    getGraph: (teamId, id) =>
      Effect.sync(() => Option.map(Option.fromNullable(live(teamId, id)), (w) => w.graph)),
    putGraph: (teamId, id, graph) =>
      Effect.sync(() => {
        const w = live(teamId, id)
        if (w === undefined) return false
        w.graph = graph
        return true
      }),
    startRun: (workflow, contact) =>
      Effect.map(now, (at) => {
        const w = workflows.find((s) => s.workflow.id === workflow.id)
        return Option.fromNullable(w === undefined ? null : start(w, contact, at))
      }),
    enrol: ({ teamId, contact, triggerType, event }) =>
      Effect.map(now, (at) => {
        if (event !== undefined)
          for (const r of runs) {
            if (r.run.teamId !== teamId || r.run.contactId !== contact.id || r.run.status !== "running")
              continue
            if (r.run.waitUntil === null) continue
            const w = workflows.find((s) => s.workflow.id === r.run.workflowId)
            const node = w?.graph.nodes.find((n) => n.public_id === r.run.currentNodeId)
            if ((node?.config as { event?: string } | undefined)?.event !== event) continue
            r.events.push(event)
            r.dueAt = at.getTime()
          }
        let started = 0
        for (const w of workflows) {
          const wf = w.workflow
          if (wf.teamId !== teamId || wf.status !== "active" || w.deleted || wf.triggerType !== triggerType)
            continue
          if (event !== undefined && wf.triggerConfig?.event !== event) continue
          if (start(w, contact, at) !== null) started++
        }
        return started
      }),
    consumeContactEvents: () => Effect.succeed(0),
    listRuns: (teamId, id, limit) =>
      Effect.sync(() => {
        const w = live(teamId, id)
        if (w === undefined) return []
        return runs
          .filter((r) => r.run.workflowId === w.workflow.id)
          .map((r) => r.run)
          .reverse()
          .slice(0, limit)
      }),
    getRun: (teamId, runId) =>
      Effect.sync(() =>
        Option.fromNullable(runs.find((r) => r.run.id === runId && r.run.teamId === teamId)?.run)
      ),
    runSteps: (teamId, runId) =>
      Effect.sync(() => runs.find((r) => r.run.id === runId && r.run.teamId === teamId)?.steps ?? []),
    claim: ({ limit, leaseMs }) =>
      Effect.map(Clock.currentTimeMillis, (ms) => {
        const due = runs
          .filter((r) => {
            if (r.run.status !== "running" || r.dueAt === null || r.dueAt > ms || r.leaseUntil >= ms)
              return false
            return workflows.find((w) => w.workflow.id === r.run.workflowId)?.workflow.status === "active"
          })
          .sort((a, b) => (a.dueAt ?? 0) - (b.dueAt ?? 0))
          .slice(0, limit)
        // One graph value per workflow and claim, as the port says.
        const graphs = new Map<number, Graph>()
        const graphOf = (w: StoredWorkflow) => {
          let graph = graphs.get(w.workflow.id)
          if (graph === undefined) {
            graph = { ...w.graph }
            graphs.set(w.workflow.id, graph)
          }
          return graph
        }
        return due.map((r): ClaimedRun => {
          r.attempts++
          r.leaseUntil = ms + leaseMs
          const w = workflows.find((s) => s.workflow.id === r.run.workflowId) as StoredWorkflow
          return {
            run: r.run,
            attempt: r.attempts,
            workflowPublicId: w.workflow.publicId,
            graph: graphOf(w),
            contactPublicId: r.contactPublicId,
            events: [...r.events]
          }
        })
      }),
    extend: (claims, leaseMs) =>
      Effect.map(Clock.currentTimeMillis, (ms) => {
        for (const c of claims) {
          const r = held(c)
          if (r !== undefined && r.run.status === "running") r.leaseUntil = ms + leaseMs
        }
      }),
    release: (claims) =>
      Effect.sync(() => {
        for (const c of claims) {
          const r = held(c)
          if (r !== undefined) r.leaseUntil = 0
        }
      }),
    recordStep,
    recordSend: (claim, steps, move, email, hold = false) =>
      Effect.gen(function* () {
        const r = held(claim)
        if (r === undefined || r.run.status !== "running") return Option.none()
        const accepted = yield* emails.accept(email)
        const last = steps.length - 1
        yield* recordStep(
          claim,
          steps.map((step, i) =>
            i === last ? { ...step, detail: { ...step.detail, email_id: accepted.publicId } } : step
          ),
          move,
          hold
        )
        return Option.some(accepted)
      }),
    queueWebhook: (teamId, webhookId, event) =>
      Effect.sync(() => {
        const key = `${teamId}:${webhookId}:${event.id}`
        const known = webhookDeliveries.get(key)
        if (known !== undefined) return Option.some(known)
        const id = webhookDeliveries.size + 1
        webhookDeliveries.set(key, id)
        return Option.some(id)
      }),
    sentEmails: () => Effect.succeed(new Map())
  })
})

export const layer = Layer.effect(WorkflowStore, make)
