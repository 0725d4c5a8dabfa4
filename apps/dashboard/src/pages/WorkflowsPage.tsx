import type { WorkflowRunView, WorkflowView } from "@poststack/contract"
import type { Graph, WorkflowTriggerType } from "@poststack/domain"
import { useEffect, useState } from "react"
import { call } from "../api"
import { useSession } from "../session"
import { ErrorMessage, Field, Form, formatDate, PageTitle, Select, useAction } from "../ui"
import { ListTable, Loaded } from "../ListTable"
import { useLoad } from "../useLoad"
import { WorkflowGraph } from "../workflows/WorkflowGraph"

const TRIGGERS: ReadonlyArray<readonly [WorkflowTriggerType, string]> = [
  ["manual", "Started by hand or the API"],
  ["custom", "A custom event"],
  ["contact.created", "A contact is created"],
  ["contact.updated", "A contact is updated"],
  ["contact.subscribed", "A contact subscribes to a topic"]
]

const triggerText = (w: WorkflowView) =>
  w.triggerType === "custom"
    ? `event "${w.triggerConfig?.event ?? ""}"`
    : w.triggerType === "contact.subscribed" && w.triggerConfig?.topic_id !== undefined
      ? `subscribes to ${w.triggerConfig.topic_id}`
      : w.triggerType

const STATUS_BADGE: Record<string, string> = {
  active: "badge badge-live",
  paused: "badge badge-pending",
  draft: "badge",
  running: "badge badge-current",
  completed: "badge badge-live",
  failed: "badge badge-failed",
  stopped: "badge badge-pending"
}

const Badge = ({ status }: { readonly status: string }) => (
  <span className={STATUS_BADGE[status] ?? "badge"}>{status}</span>
)

/** What the graph and its runs look like now: the graph, what keeps it from running, the latest runs. */
const loadDetail = async (id: string) => {
  const [graph, validation, runs] = await Promise.all([
    call((api) => api.workflows.getGraph({ path: { id } })),
    call((api) => api.workflows.validate({ path: { id } })),
    call((api) => api.workflows.listRuns({ path: { id } }))
  ])
  return { graph: graph.graph as Graph, errors: validation.errors ?? [], runs: runs.data }
}

const RunPath = ({ workflow, run }: { readonly workflow: WorkflowView; readonly run: WorkflowRunView }) => {
  const { info } = useSession()
  const steps = useLoad(() =>
    call((api) => api.workflows.getRun({ path: { id: workflow.publicId, runId: run.id } })).then(
      (r) => r.steps
    )
  )
  return (
    <section className="card" aria-label={`Path of run ${run.id}`}>
      <h3>
        Run {run.id} <Badge status={run.status} />
      </h3>
      <ErrorMessage problem={steps.problem} />
      {steps.data === undefined ? (
        <p role="status">Loading…</p>
      ) : (
        <ol aria-label={`Steps of run ${run.id}`} className="wf-steps">
          {steps.data.map((s) => (
            <li key={`${s.at.getTime()}-${s.nodeId}-${s.outcome}`}>
              <code>{s.nodeId}</code> {s.outcome}
              {s.detail !== null && typeof s.detail.reason === "string" ? (
                <span className="muted"> — {s.detail.reason}</span>
              ) : null}
              <span className="muted"> · {formatDate(s.at, info.user.timeZone)}</span>
            </li>
          ))}
        </ol>
      )}
    </section>
  )
}

const WorkflowDetail = ({
  workflow,
  onChanged
}: {
  readonly workflow: WorkflowView
  readonly onChanged: () => Promise<void>
}) => {
  const { info } = useSession()
  const detail = useLoad(() => loadDetail(workflow.publicId))
  // A send step names its template as the Templates page does, not by its tpl_… id.
  const templates = useLoad(() => call((api) => api.templates.list({ urlParams: { page: 1, perPage: 100 } })))
  const templateNames = new Map((templates.data?.data ?? []).map((t) => [t.publicId, t.name]))
  const acting = useAction()
  const [shown, setShown] = useState<number | undefined>()
  const run = detail.data?.runs.find((r) => r.id === shown)
  const setStatus = (to: "activate" | "pause") =>
    acting.run(async () => {
      if (to === "activate") await call((api) => api.workflows.activate({ path: { id: workflow.publicId } }))
      else await call((api) => api.workflows.pause({ path: { id: workflow.publicId } }))
      await onChanged()
      await detail.reload()
    })
  return (
    <section className="card wf-detail" aria-label={`Workflow ${workflow.name}`}>
      <div className="wf-head">
        <h2>
          {workflow.name} <Badge status={workflow.status} />
        </h2>
        <span className="spacer" />
        {workflow.status === "active" ? (
          <button type="button" onClick={() => void setStatus("pause")}>
            Pause
          </button>
        ) : (
          <button type="button" className="primary" onClick={() => void setStatus("activate")}>
            Activate
          </button>
        )}
        <button type="button" onClick={() => void detail.reload()}>
          Refresh
        </button>
      </div>
      <p className="muted">
        Trigger: {triggerText(workflow)} · <code>{workflow.publicId}</code>
      </p>
      <ErrorMessage problem={detail.problem ?? acting.problem} />
      {detail.data === undefined ? (
        <p role="status">Loading…</p>
      ) : (
        <>
          {detail.data.errors.length === 0 ? (
            <p className="wf-valid" role="status">
              The graph is valid: it can run.
            </p>
          ) : (
            <div className="alert alert-error wf-invalid">
              <p>
                {detail.data.errors.length === 1
                  ? "1 problem keeps"
                  : `${detail.data.errors.length} problems keep`}{" "}
                this graph from running:
              </p>
              <ul aria-label="Validation errors">
                {detail.data.errors.map((e) => (
                  <li key={e}>{e}</li>
                ))}
              </ul>
            </div>
          )}
          <WorkflowGraph
            templateNames={templateNames}
            graph={detail.data.graph}
            name={workflow.name}
            errors={detail.data.errors}
            {...(run === undefined ? {} : { visited: run.nodesVisited, current: run.currentNodeId })}
          />
          <p className="muted wf-legend">
            {run === undefined
              ? "Choose a run below to see the path it took."
              : `Showing run ${run.id}: the nodes it passed through are blue${run.currentNodeId === null ? "" : `, and it is at ${run.currentNodeId}`}.`}
          </p>
          {detail.data.runs.length === 0 ? (
            <p>No runs yet.</p>
          ) : (
            <ListTable
              caption="Latest runs"
              columns={["Run", "Status", "At node", "Nodes passed", "Started"]}
              actions
            >
              {detail.data.runs.map((r) => (
                <tr key={r.id} aria-current={r.id === shown ? "true" : undefined}>
                  <td>{r.id}</td>
                  <td>
                    <Badge status={r.status} />
                  </td>
                  <td>{r.currentNodeId ?? "—"}</td>
                  <td>{r.nodesVisited.length}</td>
                  <td>{formatDate(r.startedAt, info.user.timeZone)}</td>
                  <td>
                    <button
                      type="button"
                      aria-label={`Show the path of run ${r.id}`}
                      aria-pressed={r.id === shown}
                      onClick={() => setShown(r.id === shown ? undefined : r.id)}
                    >
                      {r.id === shown ? "Hide path" : "Show path"}
                    </button>
                  </td>
                </tr>
              ))}
            </ListTable>
          )}
          {run === undefined ? null : (
            <RunPath
              key={`${run.id}:${run.status}:${run.nodesVisited.length}`}
              workflow={workflow}
              run={run}
            />
          )}
        </>
      )}
    </section>
  )
}

export const WorkflowsPage = () => {
  const workflows = useLoad(() => call((api) => api.workflows.list()).then((r) => r.data))
  const [name, setName] = useState("")
  const [trigger, setTrigger] = useState<WorkflowTriggerType>("manual")
  const [event, setEvent] = useState("")
  const [open, setOpen] = useState<string | undefined>()
  useEffect(() => {
    if (open === undefined && workflows.data !== undefined && workflows.data.length > 0)
      setOpen(workflows.data[0]?.publicId)
  }, [open, workflows.data])
  const create = async () => {
    const made = await call((api) =>
      api.workflows.create({
        payload: {
          name,
          triggerType: trigger,
          ...(trigger === "custom" ? { triggerConfig: { event } } : {})
        }
      })
    )
    setName("")
    setEvent("")
    await workflows.reload()
    setOpen(made.workflow.publicId)
  }
  const selected = workflows.data?.find((w) => w.publicId === open)
  return (
    <section>
      <PageTitle>Workflows</PageTitle>
      <p className="lead">
        Automations over your contacts: a trigger, then emails, waits, conditions and webhooks. Graphs are
        written through the API (<code>PUT /workflows/:id/graph</code>); here you see them, check them, switch
        them on and off, and follow each contact's way through.
      </p>
      <Form
        label="Create a workflow"
        heading="Create a workflow"
        submit="Create workflow"
        action={create}
        className="card"
      >
        <Field label="Name" name="name" required maxLength={200} value={name} onChange={setName} />
        <Select
          label="Trigger"
          name="trigger"
          value={trigger}
          options={TRIGGERS}
          onChange={(v) => setTrigger(v as WorkflowTriggerType)}
        />
        {trigger === "custom" ? (
          <Field
            label="Event name"
            name="event"
            required
            maxLength={100}
            hint="Case-sensitive, as posted to /workflows/events"
            value={event}
            onChange={setEvent}
          />
        ) : null}
      </Form>
      <ErrorMessage problem={workflows.problem} />
      <Loaded items={workflows.data} empty="No workflows yet.">
        {(rows) => (
          <ListTable caption="Workflows" columns={["Name", "Trigger", "Status"]} actions>
            {rows.map((w) => (
              <tr key={w.publicId} aria-current={w.publicId === open ? "true" : undefined}>
                <td>{w.name}</td>
                <td>{triggerText(w)}</td>
                <td>
                  <Badge status={w.status} />
                </td>
                <td>
                  <button type="button" aria-label={`Open ${w.name}`} onClick={() => setOpen(w.publicId)}>
                    Open
                  </button>
                </td>
              </tr>
            ))}
          </ListTable>
        )}
      </Loaded>
      {selected === undefined ? null : (
        <WorkflowDetail
          key={`${selected.publicId}:${selected.status}`}
          workflow={selected}
          onChanged={workflows.reload}
        />
      )}
    </section>
  )
}
