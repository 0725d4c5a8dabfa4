import {
  decodeWebhookEvent,
  runEvents,
  type TeamId,
  type WorkflowRun,
  workflowStepEventId
} from "@poststack/domain"
import { Either } from "effect"
import { describe, expect, it } from "vitest"

const run: WorkflowRun = {
  id: 7,
  workflowId: 1,
  teamId: 1 as TeamId,
  contactId: 3,
  status: "running",
  currentNodeId: "t",
  nodesVisited: [],
  waitUntil: null,
  startedAt: new Date("2026-01-02T03:04:05.000Z"),
  completedAt: null
}
const names = { workflowId: "wf_0123456789abcdef01234567", contactId: "con_0123456789abcdef01234567" }
const now = new Date("2026-01-02T03:05:00.000Z")

describe("workflow run events", () => {
  it("starts as the run leaves its trigger, ends as it completes or fails, and says nothing in between", () => {
    const entered = runEvents(run, { node: "t", outcome: "entered" }, { _tag: "Goto", node: "s" }, names, now)
    expect(entered.map((e) => e.type)).toEqual(["workflow.run.started"])
    expect(entered[0]?.data).toMatchObject({ run_id: 7, status: "running", node_id: "t", completed_at: null })
    const later = { ...run, currentNodeId: "w", nodesVisited: ["t", "s"] }
    expect(
      runEvents(later, { node: "w", outcome: "waiting" }, { _tag: "Wait", until: now }, names, now)
    ).toEqual([])
    expect(
      runEvents(later, { node: "w", outcome: "waited" }, { _tag: "Goto", node: "x" }, names, now)
    ).toEqual([])
    const done = runEvents(later, { node: "x", outcome: "exited" }, { _tag: "Complete" }, names, now)
    expect(done).toEqual([
      {
        type: "workflow.run.completed",
        data: {
          workflow_id: names.workflowId,
          run_id: 7,
          contact_id: names.contactId,
          status: "completed",
          node_id: "x",
          nodes_visited: ["t", "s", "x"],
          started_at: "2026-01-02T03:04:05.000Z",
          completed_at: "2026-01-02T03:05:00.000Z"
        }
      }
    ])
    const failed = runEvents(
      later,
      { node: "x", outcome: "failed" },
      { _tag: "Fail", reason: "gone" },
      names,
      now
    )
    expect(failed[0]).toMatchObject({
      type: "workflow.run.failed",
      data: { status: "failed", reason: "gone" }
    })
    // A graph of a trigger alone starts and completes in one step.
    const alone = runEvents(run, { node: "t", outcome: "entered" }, { _tag: "Complete" }, names, now)
    expect(alone.map((e) => e.type)).toEqual(["workflow.run.started", "workflow.run.completed"])
    for (const e of [...entered, ...done, ...failed, ...alone])
      expect(Either.isRight(decodeWebhookEvent(e))).toBe(true)
  })

  it("names a webhook step's delivery by run and node, the same every time", () => {
    const id = workflowStepEventId(7, "notify crm")
    expect(id).toMatch(/^evt_wf7_[0-9a-f]{16}$/)
    expect(workflowStepEventId(7, "notify crm")).toBe(id)
    expect(workflowStepEventId(8, "notify crm")).not.toBe(id)
    expect(workflowStepEventId(7, "notify crm ")).not.toBe(id)
    expect(workflowStepEventId(7, "é✓")).toMatch(/^evt_wf7_[0-9a-f]{16}$/)
  })
})
