import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

/**
 * A run's history rows are written only by the statement that records the run (its update, with
 * the run's claim checked, names the rows' run), so the run exists when they are written; the
 * foreign key from `workflow_run_steps` to `workflow_runs` checked it again for every row, five
 * times a run (trigger, wait, waited, condition, send). The key goes; its `ON DELETE CASCADE`
 * stays as one statement-level trigger, as for emails (0073): every statement that deletes runs
 * (a contact's, a workflow's or a team's deletion cascading to them) deletes their history with
 * one probe of the history's run index per deleted run.
 */
export default Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  yield* sql`ALTER TABLE workflow_run_steps DROP CONSTRAINT IF EXISTS workflow_run_steps_run_id_fkey`
  yield* sql`
    CREATE FUNCTION workflow_runs_deleted() RETURNS trigger LANGUAGE plpgsql SET enable_seqscan = off AS $$
    BEGIN
      DELETE FROM workflow_run_steps WHERE run_id = ANY (ARRAY(SELECT id FROM gone));
      RETURN NULL;
    END $$`
  yield* sql`
    CREATE TRIGGER workflow_runs_deleted AFTER DELETE ON workflow_runs REFERENCING OLD TABLE AS gone
    FOR EACH STATEMENT EXECUTE FUNCTION workflow_runs_deleted()`
})
