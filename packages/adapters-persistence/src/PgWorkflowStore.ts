import { SqlClient } from "@effect/sql"
import {
  type ClaimedRun,
  type NewEmail,
  type RunMove,
  type RunStep,
  WorkflowStore
} from "@poststack/application"
import {
  type EncodedWebhookEvent,
  type EngagementSegment,
  type Graph,
  newWorkflowPublicId,
  runEntry,
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
import { toContact } from "./ContactRows.js"
import { groupCommit } from "./GroupCommit.js"
import { type AcceptRow, acceptEmails, acceptResult, UNSTORABLE } from "./PgAcceptEmails.js"
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

/** One run's record: its move and the steps since its last record, as the batched statement reads them. */
interface RecordRow {
  readonly id: number
  readonly attempt: number
  readonly status: string
  readonly next: string | null
  readonly left: ReadonlyArray<string>
  readonly wait_until: string | null
  readonly due: "now" | "wait" | "none"
  readonly hold: boolean
  readonly steps: ReadonlyArray<{
    readonly node: string
    readonly outcome: string
    readonly detail: Readonly<Record<string, unknown>> | null
    readonly events: ReadonlyArray<EncodedWebhookEvent>
  }>
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
/**
 * The entry a new run of workflow `w` takes (`w.entry`, see `runEntry`) while it is the entry of
 * the graph now stored (a server older than 0097 saving a graph leaves the entry of the previous
 * one), unless an endpoint of the team listens for `workflow.run.started`: that event is built and
 * written by the worker as the run leaves its trigger, so such a run starts at the trigger.
 */
const ENTRY = `CASE WHEN w.entry->>'graph_md5' = md5(w.graph::text) AND NOT EXISTS (SELECT 1 FROM webhooks h
    WHERE h.team_id = w.team_id AND h.active AND ('*' = ANY (h.events) OR 'workflow.run.started' = ANY (h.events)))
    THEN w.entry END`
/** When a run taking `entry` (an expression) stops waiting: to the millisecond, as its history says. */
const waitsAfter = (entry: string) =>
  `date_trunc('milliseconds', now() + (${entry}->>'delay_ms')::bigint * interval '1 millisecond')`
/**
 * Writes the runs of `starting` (workflow_id, team_id, contact_id, exclusive, node, entry, waits,
 * ord): a run with an entry already waiting at its wait, with the entry's steps in its history; any
 * other at its trigger node, due now. One running run per contact where the workflow is exclusive.
 */
const START_RUNS = `
  started AS (
    INSERT INTO workflow_runs (workflow_id, team_id, contact_id, exclusive, current_node, due_at, nodes_visited,
      wait_until)
    SELECT s.workflow_id, s.team_id, s.contact_id, s.exclusive, coalesce(s.entry->>'node', s.node),
      coalesce(s.waits, now()), ARRAY(SELECT jsonb_array_elements_text(s.entry->'visited')), s.waits
    FROM starting s ORDER BY s.ord
    ON CONFLICT (workflow_id, contact_id) WHERE status = 'running' AND exclusive DO NOTHING
    RETURNING ${RUN}),
  entered AS (
    INSERT INTO workflow_run_steps (run_id, node_id, outcome, detail)
    SELECT r.id, st.step->>'node', st.step->>'outcome',
      CASE WHEN st.k = jsonb_array_length(e.entry->'steps') THEN jsonb_build_object('wait_until',
        to_char(r.wait_until AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')) END
    FROM started r
    JOIN (SELECT DISTINCT ON (workflow_id) workflow_id, entry FROM starting ORDER BY workflow_id) e
      ON e.workflow_id = r.workflow_id,
      jsonb_array_elements(e.entry->'steps') WITH ORDINALITY AS st (step, k)
    ORDER BY r.id, st.k)`

/** A graph's `RunEntry` as `workflows.entry` keeps it (`null` for none). */
const entryOf = (graph: Graph): string | null => {
  const entry = runEntry(graph)
  return entry === null
    ? null
    : JSON.stringify({
        node: entry.node,
        delay_ms: entry.delayMs,
        visited: entry.visited,
        steps: entry.steps
      })
}

const recordRow = (
  claim: ClaimedRun,
  steps: ReadonlyArray<RunStep>,
  move: RunMove,
  hold = false
): RecordRow => {
  const waits = move._tag === "Wait"
  const last = steps[steps.length - 1]
  const left = (waits ? steps.slice(0, -1) : steps).map((step) => step.node)
  return {
    id: claim.run.id,
    attempt: claim.attempt,
    status: move._tag === "Complete" ? "completed" : move._tag === "Fail" ? "failed" : "running",
    next: move._tag === "Goto" ? move.node : waits ? (last?.node ?? null) : null,
    left,
    wait_until: waits ? move.until.toISOString() : null,
    due: waits ? "wait" : move._tag === "Goto" ? "now" : "none",
    hold: hold && move._tag === "Goto",
    steps: steps.map((step, i) => ({
      node: step.node,
      outcome: step.outcome,
      detail:
        move._tag === "Fail" && i === steps.length - 1
          ? { ...step.detail, reason: move.reason }
          : step.detail,
      events: step.events ?? []
    }))
  }
}

export const make = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const one = (rows: ReadonlyArray<WorkflowRow>) => Option.map(Option.fromNullable(rows[0]), toWorkflow)
  // Steps recorded at the same moment by any of this worker's runs are written together: one
  // statement and one commit for all of them (see GroupCommit); each run's row is still guarded
  // by its own claim, so a run whose lease another worker took records nothing.
  const writeRecords = (batch: ReadonlyArray<RecordRow>) => {
    const moves = batch.map((r) => ({ ...r, steps: undefined }))
    const steps = batch
      .flatMap((r) => r.steps.map((step) => ({ ...step, events: undefined, run_id: r.id })))
      .map((step, n) => ({ ...step, n }))
    const events = batch
      .flatMap((r) => r.steps.flatMap((step) => step.events.map((e) => ({ ...e, run_id: r.id }))))
      .map((e, n) => ({ ...e, n }))
    return sql<{ id: string }>`
      WITH m AS (
        SELECT * FROM jsonb_to_recordset(${JSON.stringify(moves)}::jsonb) AS m (
          id bigint, attempt integer, status text, next text, "left" text[], wait_until timestamptz,
          due text, hold boolean)),
      moved AS (
        UPDATE workflow_runs r SET
          status = m.status,
          current_node = m.next,
          nodes_visited = r.nodes_visited || m."left",
          wait_until = m.wait_until,
          events = CASE WHEN cardinality(m."left") > 0 THEN '{}'::text[] ELSE r.events END,
          -- A held run keeps its due time (already come): with no indexed column changed, the
          -- update stays on its page (HOT, see 0079) and writes no index entries.
          due_at = CASE WHEN m.hold THEN r.due_at WHEN m.due = 'now' THEN now() WHEN m.due = 'wait' THEN m.wait_until END,
          lease_until = CASE WHEN m.hold THEN r.lease_until END,
          completed_at = CASE WHEN m.status = 'running' THEN NULL ELSE now() END
        -- The runs are read by their ids (a primary-key probe each): joined to the input alone,
        -- the planner scanned every running run of the table for each record.
        FROM m WHERE r.id = ANY (${moves.map((r) => r.id)}::bigint[])
          AND r.id = m.id AND r.attempts = m.attempt AND r.status = 'running'
        RETURNING r.id, r.team_id),
      -- Run events are only written for a team with an active endpoint listening for them: the
      -- fan-out would send them nowhere else, and a busy workflow writes two per run.
      announced AS (
        INSERT INTO events (team_id, type, payload)
        SELECT r.team_id, v.type, v.data
        FROM jsonb_to_recordset(${JSON.stringify(events)}::jsonb) AS v (run_id bigint, type text, data jsonb, n integer)
        JOIN moved r ON r.id = v.run_id
        WHERE EXISTS (SELECT 1 FROM webhooks w WHERE w.team_id = r.team_id AND w.active
          AND ('*' = ANY (w.events) OR v.type = ANY (w.events)))
        ORDER BY v.n),
      written AS (
        INSERT INTO workflow_run_steps (run_id, node_id, outcome, detail)
        SELECT s.run_id, s.node, s.outcome, s.detail
        FROM jsonb_to_recordset(${JSON.stringify(steps)}::jsonb)
          AS s (run_id bigint, node text, outcome text, detail jsonb, n integer)
        WHERE s.run_id IN (SELECT id FROM moved)
        ORDER BY s.n)
      SELECT id FROM moved`.pipe(
      Effect.map((rows) => {
        const recorded = new Set(rows.map((r) => Number(r.id)))
        return batch.map((r) => recorded.has(r.id))
      })
    )
  }
  const record = yield* groupCommit<RecordRow, boolean>((batch) => unavailable(writeRecords(batch)), 200)
  const writeAccepted = acceptEmails(sql)
  // A send step's email and its record, for all the sends of this worker at the same moment: one
  // transaction, so a crash leaves both or neither. The runs are locked first (their claims
  // checked), then only the emails of runs still this worker's are accepted, then recorded with
  // their ids; an email refused alone by the accept (see PgAcceptEmails) leaves its run unrecorded.
  const sends = yield* groupCommit<
    { readonly row: RecordRow; readonly email: NewEmail },
    AcceptRow | undefined | typeof UNSTORABLE | null
  >(
    (batch) =>
      sql
        .withTransaction(
          Effect.gen(function* () {
            const held = yield* sql<{ id: string }>`
              SELECT r.id FROM workflow_runs r
              JOIN unnest(${batch.map((b) => b.row.id)}::bigint[], ${batch.map((b) => b.row.attempt)}::int[])
                AS h (id, attempt) ON r.id = h.id AND r.attempts = h.attempt
              WHERE r.id = ANY (${batch.map((b) => b.row.id)}::bigint[]) AND r.status = 'running'
              ORDER BY r.id FOR UPDATE OF r`
            const mine = new Set(held.map((r) => Number(r.id)))
            const live = batch.filter((b) => mine.has(b.row.id))
            const accepted = live.length === 0 ? [] : yield* writeAccepted(live.map((b) => b.email))
            const byRun = new Map(live.map((b, i) => [b.row.id, accepted[i]]))
            const rows = live.flatMap((b) => {
              const result = byRun.get(b.row.id)
              if (result === undefined || result === UNSTORABLE) return []
              const last = b.row.steps.length - 1
              const steps = b.row.steps.map((step, i) =>
                i === last ? { ...step, detail: { ...step.detail, email_id: result.accepted_id } } : step
              )
              return [{ ...b.row, steps }]
            })
            if (rows.length > 0) yield* writeRecords(rows)
            return batch.map((b) => (mine.has(b.row.id) ? byRun.get(b.row.id) : null))
          })
        )
        .pipe(unavailable),
    100
  )

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
        UPDATE workflows SET graph = ${JSON.stringify(graph)}::jsonb,
          -- With the digest of the graph it was read from, as the graph is stored.
          entry = ${entryOf(graph)}::jsonb || jsonb_build_object('graph_md5', md5(${JSON.stringify(graph)}::jsonb::text)),
          updated_at = now()
        WHERE team_id = ${teamId} AND public_id = ${id} AND deleted_at IS NULL
        RETURNING id`.pipe(
        Effect.map((rows) => rows.length > 0),
        unavailable
      ),
    startRun: (workflow, contact) =>
      sql<RunRow>`
        WITH starting AS (
          SELECT w.id AS workflow_id, w.team_id, ${contact.id}::bigint AS contact_id,
            ${sql.literal(EXCLUSIVE)} AS exclusive, ${sql.literal(TRIGGER_NODE)} AS node, x.entry,
            ${sql.literal(waitsAfter("x.entry"))} AS waits, 0 AS ord
          FROM workflows w, LATERAL (SELECT ${sql.literal(ENTRY)} AS entry) x
          WHERE w.id = ${workflow.id} AND w.team_id = ${workflow.teamId}),
        ${sql.literal(START_RUNS)}
        SELECT ${sql.literal(RUN)} FROM started`.pipe(
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
              WITH starting AS (
                SELECT w.id AS workflow_id, w.team_id, ${contact.id}::bigint AS contact_id,
                  ${sql.literal(EXCLUSIVE)} AS exclusive, ${sql.literal(TRIGGER_NODE)} AS node, x.entry,
                  ${sql.literal(waitsAfter("x.entry"))} AS waits, w.id AS ord
                FROM workflows w, LATERAL (SELECT ${sql.literal(ENTRY)} AS entry) x
                WHERE w.team_id = ${teamId} AND w.status = 'active' AND w.deleted_at IS NULL
                  AND w.trigger_type = ${triggerType}
                  AND (${event ?? null}::text IS NULL OR w.trigger_config->>'event' = ${event ?? null})),
              ${sql.literal(START_RUNS)}
              SELECT id FROM started`
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
        -- An array of ids, so the events are found by primary key: joined to picked, the planner
        -- hashed the whole events table on every call.
        marked AS (
          UPDATE events e SET workflows_at = now() WHERE e.id = ANY (ARRAY(SELECT id FROM picked)) RETURNING e.id),
        -- The listening workflows of the picked events' teams, each read (its trigger node found in
        -- its graph) once for the batch rather than once per run.
        listening AS MATERIALIZED (
          SELECT w.id, w.team_id, w.trigger_type, w.trigger_config, ${sql.literal(EXCLUSIVE)} AS exclusive,
            ${sql.literal(TRIGGER_NODE)} AS node, ${sql.literal(ENTRY)} AS entry
          FROM workflows w
          WHERE w.team_id IN (SELECT team_id FROM picked) AND w.status = 'active' AND w.deleted_at IS NULL),
        starting AS (
          SELECT w.id AS workflow_id, w.team_id, c.id AS contact_id, w.exclusive, w.node, w.entry,
            ${sql.literal(waitsAfter("w.entry"))} AS waits, p.id AS ord
          FROM picked p
          JOIN contacts c ON c.team_id = p.team_id AND c.public_id = p.payload->>'contact_id'
          JOIN listening w ON w.team_id = p.team_id
            AND (w.trigger_type = p.type
              -- A choice to receive a topic (API, preference page, confirmed signup) is a subscription.
              OR (w.trigger_type = 'contact.subscribed' AND p.type = 'contact.updated'
                AND (p.payload->'topic'->>'subscribed')::boolean
                AND coalesce(w.trigger_config->>'topic_id', p.payload->'topic'->>'topic_id')
                  = p.payload->'topic'->>'topic_id'))),
        ${sql.literal(START_RUNS)}
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
          graph: Graph | null
          events: ReadonlyArray<string>
          listening: boolean
          contact: string
          c_email: string
          c_first_name: string | null
          c_last_name: string | null
          c_unsubscribed: boolean
          c_unsubscribed_at: Date | null
          c_properties: Record<string, unknown>
          c_engagement_segment: EngagementSegment
          c_last_engaged_at: Date | null
          c_created_at: Date
          c_updated_at: Date
        }
      >`
        WITH claimed AS (
          UPDATE workflow_runs r SET lease_until = now() + ${leaseMs} * interval '1 millisecond',
            attempts = r.attempts + 1
          -- An array of ids, so the runs are found by primary key: as IN (subquery) the planner
          -- hashed the claimed ids against a scan of the whole table, every claim. The due runs
          -- are chosen and locked in due order by due_workflow_run_ids (0096).
          WHERE r.id = ANY ((SELECT due_workflow_run_ids(${limit}))::bigint[])
          RETURNING ${sql.literal(RUN_R)}, r.attempts, r.events)
        -- Each workflow's graph once per claim (on its first run): the runs of a claim share it.
        SELECT r.*, w.public_id, c.public_id AS contact,
          CASE WHEN r.id = min(r.id) OVER (PARTITION BY r.workflow_id) THEN w.graph END AS graph,
          EXISTS (SELECT 1 FROM webhooks h WHERE h.team_id = r.team_id AND h.active
            AND ('*' = ANY (h.events) OR 'workflow.run.started' = ANY (h.events)
              OR 'workflow.run.completed' = ANY (h.events) OR 'workflow.run.failed' = ANY (h.events))) AS listening,
          c.email AS c_email, c.first_name AS c_first_name, c.last_name AS c_last_name,
          c.unsubscribed AS c_unsubscribed, c.unsubscribed_at AS c_unsubscribed_at,
          c.properties AS c_properties, c.engagement_segment AS c_engagement_segment,
          c.last_engaged_at AS c_last_engaged_at, c.created_at AS c_created_at, c.updated_at AS c_updated_at
        FROM claimed r JOIN workflows w ON w.id = r.workflow_id JOIN contacts c ON c.id = r.contact_id`.pipe(
        Effect.map((rows) => {
          // One graph value per workflow of the claim: the runner parses each graph value once.
          const graphs = new Map<number, Graph>()
          for (const r of rows) if (r.graph !== null) graphs.set(r.workflow_id, r.graph)
          const graphOf = (id: number) => graphs.get(id) as Graph
          return rows.map(
            (r): ClaimedRun => ({
              run: toRun(r),
              attempt: r.attempts,
              workflowPublicId: r.public_id as WorkflowPublicId,
              graph: graphOf(r.workflow_id),
              contactPublicId: r.contact,
              // Read along with the run: one statement for every run a claim takes.
              contact: toContact({
                id: r.contact_id,
                public_id: r.contact,
                team_id: r.team_id,
                email: r.c_email,
                first_name: r.c_first_name,
                last_name: r.c_last_name,
                unsubscribed: r.c_unsubscribed,
                unsubscribed_at: r.c_unsubscribed_at,
                properties: r.c_properties,
                engagement_segment: r.c_engagement_segment,
                last_engaged_at: r.c_last_engaged_at,
                created_at: r.c_created_at,
                updated_at: r.c_updated_at
              }),
              events: r.events,
              listening: r.listening
            })
          )
        }),
        unavailable
      ),
    extend: (runs, leaseMs) =>
      runs.length === 0
        ? Effect.void
        : sql`
            UPDATE workflow_runs r SET lease_until = now() + ${leaseMs} * interval '1 millisecond'
            FROM jsonb_to_recordset(${JSON.stringify(runs.map((c) => ({ id: c.run.id, attempt: c.attempt })))}::jsonb)
              AS h (id bigint, attempt integer)
            WHERE r.id = ANY (${runs.map((c) => c.run.id)}::bigint[])
              AND r.id = h.id AND r.attempts = h.attempt AND r.status = 'running'`.pipe(
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
            WHERE r.id = ANY (${runs.map((c) => c.run.id)}::bigint[]) AND r.id = h.id AND r.attempts = h.attempt`.pipe(
            Effect.asVoid,
            unavailable
          ),
    recordStep: (claim, steps, move, hold = false) => record(recordRow(claim, steps, move, hold)),
    recordSend: (claim, steps, move, email, hold = false) =>
      Effect.flatMap(sends({ row: recordRow(claim, steps, move, hold), email }), (row) =>
        row === null ? Effect.succeed(Option.none()) : Effect.asSome(acceptResult(row))
      ),
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

export const layer = Layer.scoped(WorkflowStore, make)
