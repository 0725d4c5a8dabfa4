import { SqlClient } from "@effect/sql"
import { type ClaimedRun, WorkflowStore } from "@poststack/application"
import {
  type Graph,
  newWorkflowPublicId,
  type TeamId,
  type TriggerConfig,
  type Workflow,
  type WorkflowPublicId,
  type WorkflowRun,
  type WorkflowRunStatus,
  type WorkflowStatus,
  type WorkflowTriggerType
} from "@poststack/domain"
import { Effect, Layer, Option } from "effect"
import { unavailable } from "./SqlErrors.js"

interface WorkflowRow {
  readonly id: number
  readonly public_id: string
  readonly team_id: number
  readonly name: string
  readonly trigger_type: WorkflowTriggerType
  readonly trigger_config: TriggerConfig | null
  readonly status: WorkflowStatus
  readonly created_at: Date
  readonly updated_at: Date
}

interface RunRow {
  readonly id: string | number
  readonly workflow_id: number
  readonly team_id: number
  readonly contact_id: number
  readonly status: WorkflowRunStatus
  readonly current_node: string | null
  readonly nodes_visited: ReadonlyArray<string>
  readonly wait_until: Date | null
  readonly started_at: Date
  readonly completed_at: Date | null
}

const toWorkflow = (r: WorkflowRow): Workflow => ({
  id: r.id,
  publicId: r.public_id as WorkflowPublicId,
  teamId: r.team_id as TeamId,
  name: r.name,
  triggerType: r.trigger_type,
  triggerConfig: r.trigger_config,
  status: r.status,
  createdAt: r.created_at,
  updatedAt: r.updated_at
})

const toRun = (r: RunRow): WorkflowRun => ({
  id: Number(r.id),
  workflowId: r.workflow_id,
  teamId: r.team_id as TeamId,
  contactId: r.contact_id,
  status: r.status,
  currentNodeId: r.current_node,
  nodesVisited: r.nodes_visited,
  waitUntil: r.wait_until,
  startedAt: r.started_at,
  completedAt: r.completed_at
})

const WF = "id, public_id, team_id, name, trigger_type, trigger_config, status, created_at, updated_at"
const RUN =
  "id, workflow_id, team_id, contact_id, status, current_node, nodes_visited, wait_until, started_at, completed_at"
const RUN_R =
  "r.id, r.workflow_id, r.team_id, r.contact_id, r.status, r.current_node, r.nodes_visited, r.wait_until, r.started_at, r.completed_at"

// The trigger node's id, read from the graph where runs start.
const TRIGGER_NODE =
  "(SELECT n->>'public_id' FROM jsonb_array_elements(w.graph->'nodes') n WHERE n->>'type' = 'trigger' LIMIT 1)"
const EXCLUSIVE = "NOT coalesce((w.trigger_config->>'allow_reentry')::boolean, false)"

export const make = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const one = (rows: ReadonlyArray<WorkflowRow>) => Option.map(Option.fromNullable(rows[0]), toWorkflow)
  return WorkflowStore.of({
    create: (teamId, f) =>
      sql<WorkflowRow>`
        INSERT INTO workflows (public_id, team_id, name, trigger_type, trigger_config)
        VALUES (${newWorkflowPublicId()}, ${teamId}, ${f.name}, ${f.triggerType},
          ${f.triggerConfig === null ? null : JSON.stringify(f.triggerConfig)}::jsonb)
        RETURNING ${sql.literal(WF)}`.pipe(
        Effect.map((rows) => toWorkflow(rows[0] as WorkflowRow)),
        unavailable
      ),
    list: (teamId) =>
      sql<WorkflowRow>`
        SELECT ${sql.literal(WF)} FROM workflows WHERE team_id = ${teamId} AND deleted_at IS NULL ORDER BY id`.pipe(
        Effect.map((rows) => rows.map(toWorkflow)),
        unavailable
      ),
    get: (teamId, id) =>
      sql<WorkflowRow>`
        SELECT ${sql.literal(WF)} FROM workflows
        WHERE team_id = ${teamId} AND public_id = ${id} AND deleted_at IS NULL`.pipe(
        Effect.map(one),
        unavailable
      ),
    update: (teamId, id, c) =>
      sql<WorkflowRow>`
        UPDATE workflows SET
          name = coalesce(${c.name ?? null}, name),
          trigger_type = coalesce(${c.triggerType ?? null}, trigger_type),
          trigger_config = CASE WHEN ${c.triggerConfig !== undefined} THEN ${
            c.triggerConfig === undefined || c.triggerConfig === null ? null : JSON.stringify(c.triggerConfig)
          }::jsonb ELSE trigger_config END,
          updated_at = now()
        WHERE team_id = ${teamId} AND public_id = ${id} AND deleted_at IS NULL
        RETURNING ${sql.literal(WF)}`.pipe(Effect.map(one), unavailable),
    setStatus: (teamId, id, status) =>
      sql<WorkflowRow>`
        UPDATE workflows SET status = ${status}, updated_at = now()
        WHERE team_id = ${teamId} AND public_id = ${id} AND deleted_at IS NULL
        RETURNING ${sql.literal(WF)}`.pipe(Effect.map(one), unavailable),
    remove: (teamId, id) =>
      sql`
        UPDATE workflows SET deleted_at = now(), updated_at = now()
        WHERE team_id = ${teamId} AND public_id = ${id} AND deleted_at IS NULL
        RETURNING id`.pipe(
        Effect.map((rows) => rows.length > 0),
        unavailable
      ),
    getGraph: (teamId, id) =>
      sql<{ graph: Graph }>`
        SELECT graph FROM workflows WHERE team_id = ${teamId} AND public_id = ${id} AND deleted_at IS NULL`.pipe(
        Effect.map((rows) => Option.map(Option.fromNullable(rows[0]), (r) => r.graph)),
        unavailable
      ),
    putGraph: (teamId, id, graph) =>
      sql`
        UPDATE workflows SET graph = ${JSON.stringify(graph)}::jsonb, updated_at = now()
        WHERE team_id = ${teamId} AND public_id = ${id} AND deleted_at IS NULL
        RETURNING id`.pipe(
        Effect.map((rows) => rows.length > 0),
        unavailable
      ),
    startRun: (workflow, contact) =>
      sql<RunRow>`
        INSERT INTO workflow_runs (workflow_id, team_id, contact_id, exclusive, current_node, due_at)
        SELECT w.id, w.team_id, ${contact.id}, ${sql.literal(EXCLUSIVE)}, ${sql.literal(TRIGGER_NODE)}, now()
        FROM workflows w WHERE w.id = ${workflow.id} AND w.team_id = ${workflow.teamId}
        ON CONFLICT (workflow_id, contact_id) WHERE status = 'running' AND exclusive DO NOTHING
        RETURNING ${sql.literal(RUN)}`.pipe(
        Effect.map((rows) => Option.map(Option.fromNullable(rows[0]), toRun)),
        unavailable
      ),
    enrol: ({ teamId, contact, triggerType, event }) =>
      sql
        .withTransaction(
          Effect.gen(function* () {
            if (event !== undefined)
              yield* sql`
                UPDATE workflow_runs r SET events = array_append(r.events, ${event}), due_at = now()
                FROM workflows w
                WHERE r.team_id = ${teamId} AND r.contact_id = ${contact.id} AND r.status = 'running'
                  AND r.wait_until IS NOT NULL AND w.id = r.workflow_id
                  AND EXISTS (SELECT 1 FROM jsonb_array_elements(w.graph->'nodes') n
                    WHERE n->>'public_id' = r.current_node AND n->'config'->>'event' = ${event})`
            const started = yield* sql<{ id: string }>`
              INSERT INTO workflow_runs (workflow_id, team_id, contact_id, exclusive, current_node, due_at)
              SELECT w.id, w.team_id, ${contact.id}, ${sql.literal(EXCLUSIVE)}, ${sql.literal(TRIGGER_NODE)}, now()
              FROM workflows w
              WHERE w.team_id = ${teamId} AND w.status = 'active' AND w.deleted_at IS NULL
                AND w.trigger_type = ${triggerType}
                AND (${event ?? null}::text IS NULL OR w.trigger_config->>'event' = ${event ?? null})
              ON CONFLICT (workflow_id, contact_id) WHERE status = 'running' AND exclusive DO NOTHING
              RETURNING id`
            return started.length
          })
        )
        .pipe(unavailable),
    consumeContactEvents: (limit) =>
      sql<{ events: number }>`
        WITH picked AS (
          SELECT id, team_id, type, payload FROM events
          WHERE workflows_at IS NULL AND type IN ('contact.created', 'contact.updated')
          ORDER BY id LIMIT ${limit} FOR UPDATE SKIP LOCKED),
        marked AS (
          UPDATE events e SET workflows_at = now() FROM picked p WHERE e.id = p.id RETURNING e.id),
        started AS (
          INSERT INTO workflow_runs (workflow_id, team_id, contact_id, exclusive, current_node, due_at)
          SELECT w.id, w.team_id, c.id, ${sql.literal(EXCLUSIVE)}, ${sql.literal(TRIGGER_NODE)}, now()
          FROM picked p
          JOIN contacts c ON c.team_id = p.team_id AND c.public_id = p.payload->>'contact_id'
          JOIN workflows w ON w.team_id = p.team_id AND w.status = 'active' AND w.deleted_at IS NULL
            AND (w.trigger_type = p.type
              -- A choice to receive a topic (API, preference page, confirmed signup) is a subscription.
              OR (w.trigger_type = 'contact.subscribed' AND p.type = 'contact.updated'
                AND (p.payload->'topic'->>'subscribed')::boolean
                AND coalesce(w.trigger_config->>'topic_id', p.payload->'topic'->>'topic_id')
                  = p.payload->'topic'->>'topic_id'))
          ORDER BY p.id
          ON CONFLICT (workflow_id, contact_id) WHERE status = 'running' AND exclusive DO NOTHING
          RETURNING id)
        SELECT (SELECT count(*) FROM marked)::int AS events, (SELECT count(*) FROM started)::int AS runs`.pipe(
        Effect.map((rows) => rows[0]?.events ?? 0),
        unavailable
      ),
    listRuns: (teamId, id, limit) =>
      sql<RunRow>`
        SELECT ${sql.literal(RUN_R)} FROM workflow_runs r JOIN workflows w ON w.id = r.workflow_id
        WHERE w.team_id = ${teamId} AND w.public_id = ${id} AND w.deleted_at IS NULL
        ORDER BY r.id DESC LIMIT ${limit}`.pipe(
        Effect.map((rows) => rows.map(toRun)),
        unavailable
      ),
    getRun: (teamId, runId) =>
      sql<RunRow>`SELECT ${sql.literal(RUN)} FROM workflow_runs WHERE team_id = ${teamId} AND id = ${runId}`.pipe(
        Effect.map((rows) => Option.map(Option.fromNullable(rows[0]), toRun)),
        unavailable
      ),
    runSteps: (teamId, runId) =>
      sql<{ node_id: string; outcome: string; detail: Record<string, unknown> | null; at: Date }>`
        SELECT s.node_id, s.outcome, s.detail, s.at FROM workflow_run_steps s
        JOIN workflow_runs r ON r.id = s.run_id
        WHERE r.team_id = ${teamId} AND s.run_id = ${runId} ORDER BY s.id`.pipe(
        Effect.map((rows) =>
          rows.map((r) => ({ nodeId: r.node_id, outcome: r.outcome, detail: r.detail, at: r.at }))
        ),
        unavailable
      ),
    claim: ({ limit, leaseMs }) =>
      sql<
        RunRow & {
          attempts: number
          public_id: string
          graph: Graph
          events: ReadonlyArray<string>
          contact: string
        }
      >`
        UPDATE workflow_runs r SET lease_until = now() + ${leaseMs} * interval '1 millisecond',
          attempts = r.attempts + 1
        FROM workflows w, contacts c
        WHERE w.id = r.workflow_id AND c.id = r.contact_id AND r.id IN (
          SELECT q.id FROM workflow_runs q JOIN workflows qw ON qw.id = q.workflow_id
          WHERE q.status = 'running' AND q.due_at <= now()
            AND (q.lease_until IS NULL OR q.lease_until < now()) AND qw.status = 'active'
          ORDER BY q.due_at LIMIT ${limit}
          FOR UPDATE OF q SKIP LOCKED)
        RETURNING ${sql.literal(RUN_R)}, r.attempts, r.events, w.public_id, w.graph, c.public_id AS contact`.pipe(
        Effect.map((rows) =>
          rows.map(
            (r): ClaimedRun => ({
              run: toRun(r),
              attempt: r.attempts,
              workflowPublicId: r.public_id as WorkflowPublicId,
              graph: r.graph,
              contactPublicId: r.contact,
              events: r.events
            })
          )
        ),
        unavailable
      ),
    extend: (runs, leaseMs) =>
      runs.length === 0
        ? Effect.void
        : sql`
            UPDATE workflow_runs r SET lease_until = now() + ${leaseMs} * interval '1 millisecond'
            FROM jsonb_to_recordset(${JSON.stringify(runs.map((c) => ({ id: c.run.id, attempt: c.attempt })))}::jsonb)
              AS h (id bigint, attempt integer)
            WHERE r.id = h.id AND r.attempts = h.attempt AND r.status = 'running'`.pipe(
            Effect.asVoid,
            unavailable
          ),
    release: (runs) =>
      runs.length === 0
        ? Effect.void
        : sql`
            UPDATE workflow_runs r SET lease_until = NULL
            FROM jsonb_to_recordset(${JSON.stringify(runs.map((c) => ({ id: c.run.id, attempt: c.attempt })))}::jsonb)
              AS h (id bigint, attempt integer)
            WHERE r.id = h.id AND r.attempts = h.attempt`.pipe(Effect.asVoid, unavailable),
    recordStep: (claim, step, move, hold = false) => {
      const leaves = move._tag !== "Wait"
      const status = move._tag === "Complete" ? "completed" : move._tag === "Fail" ? "failed" : "running"
      const next = move._tag === "Goto" ? move.node : move._tag === "Wait" ? step.node : null
      const due = move._tag === "Wait" ? move.until : move._tag === "Goto" ? new Date(0) : null
      const detail = move._tag === "Fail" ? { ...step.detail, reason: move.reason } : step.detail
      const events = JSON.stringify(step.events ?? [])
      return sql<{ run_id: string }>`
        WITH moved AS (
          UPDATE workflow_runs SET
            status = ${status},
            current_node = ${next},
            nodes_visited = CASE WHEN ${leaves} THEN array_append(nodes_visited, ${step.node}) ELSE nodes_visited END,
            wait_until = ${move._tag === "Wait" ? move.until : null},
            events = CASE WHEN ${leaves} THEN '{}'::text[] ELSE events END,
            due_at = CASE WHEN ${due === null} THEN NULL WHEN ${move._tag === "Goto"} THEN now() ELSE ${due} END,
            lease_until = CASE WHEN ${hold && move._tag === "Goto"} THEN lease_until ELSE NULL END,
            completed_at = CASE WHEN ${status} = 'running' THEN NULL ELSE now() END
          WHERE id = ${claim.run.id} AND attempts = ${claim.attempt} AND status = 'running'
          RETURNING id, team_id),
        -- Run events are only written for a team with an active endpoint listening for them: the
        -- fan-out would send them nowhere else, and a busy workflow writes two per run.
        announced AS (
          INSERT INTO events (team_id, type, payload)
          SELECT m.team_id, v.value->>'type', v.value->'data'
          FROM moved m, jsonb_array_elements(${events}::jsonb) WITH ORDINALITY AS v(value, k)
          WHERE EXISTS (SELECT 1 FROM webhooks w WHERE w.team_id = m.team_id AND w.active
            AND ('*' = ANY (w.events) OR v.value->>'type' = ANY (w.events)))
          ORDER BY v.k)
        INSERT INTO workflow_run_steps (run_id, node_id, outcome, detail)
        SELECT id, ${step.node}, ${step.outcome}, ${detail === null ? null : JSON.stringify(detail)}::jsonb FROM moved
        RETURNING run_id`.pipe(
        Effect.map((rows) => rows.length > 0),
        unavailable
      )
    },
    queueWebhook: (teamId, webhookId, event) =>
      sql<{ id: string }>`
        WITH queued AS (
          INSERT INTO webhook_deliveries (webhook_id, team_id, event_public_id, event_type, data,
            event_created_at, status, next_attempt_at)
          SELECT w.id, w.team_id, ${event.id}, ${event.type}, ${JSON.stringify(event.data)}::jsonb, now(),
            'pending', now()
          FROM webhooks w WHERE w.id = ${webhookId} AND w.team_id = ${teamId} AND w.kind = 'webhook'
          ON CONFLICT (webhook_id, event_public_id) WHERE event_public_id LIKE 'evt\\_wf%' DO NOTHING
          RETURNING id)
        -- A new delivery wakes idle dispatchers (as a fan-out does); a repeat finds the first one.
        SELECT q.id FROM queued q, LATERAL (SELECT pg_notify('poststack_webhook_deliveries', 'queued')) n
        UNION ALL
        SELECT d.id FROM webhook_deliveries d
        WHERE d.webhook_id = ${webhookId} AND d.team_id = ${teamId} AND d.event_public_id = ${event.id}`.pipe(
        // A repeat racing the first attempt waits on its insert, then sees it only in a new statement.
        Effect.flatMap((rows) =>
          rows.length > 0
            ? Effect.succeed(rows)
            : sql<{ id: string }>`
                SELECT id FROM webhook_deliveries
                WHERE webhook_id = ${webhookId} AND team_id = ${teamId} AND event_public_id = ${event.id}`
        ),
        Effect.map((rows) => Option.map(Option.fromNullable(rows[0]), (r) => Number(r.id))),
        unavailable
      ),
    sentEmails: (runId) =>
      sql<{ node_id: string; opened: boolean; clicked: boolean }>`
        SELECT s.node_id,
          EXISTS (SELECT 1 FROM email_events ev WHERE ev.email_id = e.id AND ev.event_type = 'opened') AS opened,
          EXISTS (SELECT 1 FROM email_events ev WHERE ev.email_id = e.id AND ev.event_type = 'clicked') AS clicked
        FROM workflow_run_steps s
        JOIN emails e ON e.public_id = s.detail->>'email_id'
        WHERE s.run_id = ${runId} AND s.detail ? 'email_id'`.pipe(
        Effect.map((rows) => new Map(rows.map((r) => [r.node_id, { opened: r.opened, clicked: r.clicked }]))),
        unavailable
      )
  })
})

export const layer = Layer.effect(WorkflowStore, make)
