import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

/**
 * An event that no active endpoint of its team subscribes to is written already fanned out, so
 * the fan-out never has to claim and mark it: for a team without webhooks or channels, that mark
 * was a second, non-HOT write of every event (a new row version and an entry in each index).
 * An endpoint sees the events written after it exists; one written while it was being created
 * (before its row committed) is, as before, a matter of moments either way. Events left
 * unmarked before this keep their place in the fan-out.
 */
export default Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  yield* sql`
    CREATE FUNCTION events_fanned_out_when_unwatched() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF NOT EXISTS (
        SELECT 1 FROM webhooks w
        WHERE w.team_id = NEW.team_id AND w.active AND ('*' = ANY (w.events) OR NEW.type = ANY (w.events))
      ) THEN
        NEW.fanned_out_at := NEW.created_at;
      END IF;
      RETURN NEW;
    END $$`
  yield* sql`
    CREATE TRIGGER events_fanned_out_when_unwatched BEFORE INSERT ON events
    FOR EACH ROW WHEN (NEW.fanned_out_at IS NULL) EXECUTE FUNCTION events_fanned_out_when_unwatched()`
})
