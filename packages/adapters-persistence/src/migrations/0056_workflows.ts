import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

/**
 * Workflows and their runs. The graph is one jsonb value of its workflow, so replacing it is one
 * row's update. A run is a row workers claim with `FOR UPDATE SKIP LOCKED` when its `due_at` has
 * come (a wait is that due time, nothing in memory) and its workflow is active; a lease covers a
 * claimed run, and `attempts` names the claim, so a worker that lost its lease records nothing.
 * `exclusive` runs (the workflow allows no re-entry) are at most one running per contact.
 *
 * Contact events reach workflows through the same outbox the webhooks read (`events`): a second
 * mark, `workflows_at`, says the triggers have seen an event. Existing events count as seen (they
 * predate every workflow); the partial index holds only the contact events still to read.
 */
export default Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  yield* sql`
    CREATE TABLE workflows (
      id serial PRIMARY KEY,
      public_id text NOT NULL UNIQUE CHECK (public_id ~ '^wf_[0-9a-f]{24}$'),
      team_id integer NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
      name text NOT NULL,
      trigger_type text NOT NULL
        CHECK (trigger_type IN ('contact.created', 'contact.updated', 'contact.subscribed', 'custom', 'manual')),
      trigger_config jsonb,
      status text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'active', 'paused')),
      graph jsonb NOT NULL DEFAULT '{"nodes": [], "edges": []}',
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      deleted_at timestamptz
    )`
  yield* sql`CREATE INDEX workflows_team ON workflows (team_id, id) WHERE deleted_at IS NULL`
  yield* sql`
    CREATE INDEX workflows_listening ON workflows (team_id, trigger_type)
    WHERE status = 'active' AND deleted_at IS NULL`
  yield* sql`
    CREATE TABLE workflow_runs (
      id bigserial PRIMARY KEY,
      workflow_id integer NOT NULL REFERENCES workflows (id) ON DELETE CASCADE,
      team_id integer NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
      contact_id integer NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
      exclusive boolean NOT NULL,
      status text NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'completed', 'failed', 'stopped')),
      current_node text,
      nodes_visited text[] NOT NULL DEFAULT '{}',
      wait_until timestamptz,
      events text[] NOT NULL DEFAULT '{}',
      due_at timestamptz,
      lease_until timestamptz,
      attempts integer NOT NULL DEFAULT 0,
      started_at timestamptz NOT NULL DEFAULT now(),
      completed_at timestamptz
    )`
  yield* sql`CREATE INDEX workflow_runs_due ON workflow_runs (due_at) WHERE status = 'running'`
  yield* sql`CREATE INDEX workflow_runs_workflow ON workflow_runs (workflow_id, id)`
  yield* sql`CREATE INDEX workflow_runs_contact ON workflow_runs (contact_id) WHERE status = 'running'`
  yield* sql`
    CREATE UNIQUE INDEX workflow_runs_one_running ON workflow_runs (workflow_id, contact_id)
    WHERE status = 'running' AND exclusive`
  yield* sql`
    CREATE TABLE workflow_run_steps (
      id bigserial PRIMARY KEY,
      run_id bigint NOT NULL REFERENCES workflow_runs (id) ON DELETE CASCADE,
      node_id text NOT NULL,
      outcome text NOT NULL,
      detail jsonb,
      at timestamptz NOT NULL DEFAULT now()
    )`
  yield* sql`CREATE INDEX workflow_run_steps_run ON workflow_run_steps (run_id, id)`
  yield* sql`ALTER TABLE events ADD COLUMN workflows_at timestamptz DEFAULT now()`
  yield* sql`ALTER TABLE events ALTER COLUMN workflows_at DROP DEFAULT`
  yield* sql`
    CREATE INDEX events_for_workflows ON events (id)
    WHERE workflows_at IS NULL AND type IN ('contact.created', 'contact.updated')`
})
