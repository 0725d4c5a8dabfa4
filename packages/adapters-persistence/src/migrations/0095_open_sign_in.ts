import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

/**
 * A sign-in's writes after its first factor, in one call (`PgSignInStore`): with two-factor
 * authentication off, the person's teams, the session (first team selected, their expired
 * sessions deleted), one `account.signed_in` audit entry per team (or one with no team), and the
 * device noted, as `SessionStore.noteDevice` notes it. With it on, nothing is written.
 *
 * Before, a sign-in made these six statements in as many round trips and three commits, each
 * statement parsed and planned anew; a function's plans are kept by its connection, and the one
 * transaction waits for one WAL flush.
 */
export default Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  yield* sql`
    CREATE FUNCTION open_sign_in(
      p_user_id text, p_session_id text, p_token_hash bytea, p_at timestamptz, p_expires_at timestamptz,
      p_address text, p_session_user_agent text, p_audit_user_agent text, p_details jsonb,
      p_device text, p_forget_before timestamptz)
    RETURNS TABLE (two_factor boolean, teams jsonb, devices integer, device_known boolean)
    LANGUAGE plpgsql AS $$
    DECLARE
      v_teams jsonb;
      v_devices integer;
      v_known boolean;
    BEGIN
      IF EXISTS (SELECT 1 FROM totp_factors WHERE user_id = p_user_id AND enabled_at IS NOT NULL) THEN
        RETURN QUERY SELECT true, NULL::jsonb, NULL::integer, NULL::boolean;
        RETURN;
      END IF;
      SELECT coalesce(jsonb_agg(jsonb_build_object(
               'team_id', m.team_id, 'team_name', t.name, 'user_id', m.user_id, 'email', u.email,
               'name', u.name, 'role', m.role, 'created_at', m.created_at)
             ORDER BY m.created_at, m.team_id), '[]'::jsonb)
        INTO v_teams
        FROM memberships m JOIN teams t ON t.id = m.team_id JOIN users u ON u.id = m.user_id
        WHERE m.user_id = p_user_id;
      DELETE FROM sessions WHERE user_id = p_user_id AND expires_at <= p_at;
      INSERT INTO sessions (id, token_hash, user_id, team_id, created_at, expires_at, last_seen_at, address, user_agent)
      VALUES (p_session_id, p_token_hash, p_user_id, (v_teams -> 0 ->> 'team_id')::integer, p_at, p_expires_at,
              p_at, p_address, p_session_user_agent);
      INSERT INTO audit_log (team_id, action, actor_kind, actor_id, target_type, target_id, details, address,
                             user_agent, occurred_at)
      SELECT team.id, 'account.signed_in', 'user', p_user_id, 'user', p_user_id, p_details, p_address,
             p_audit_user_agent, p_at
      FROM (SELECT (e ->> 'team_id')::integer AS id FROM jsonb_array_elements(v_teams) e
            UNION ALL SELECT NULL WHERE jsonb_array_length(v_teams) = 0) team;
      -- As PgSessionStore.noteDevice: one statement, whose parts share one snapshot.
      WITH forgotten AS (
        DELETE FROM sign_in_devices WHERE user_id = p_user_id AND last_seen_at < p_forget_before
          AND device_hash <> p_device
          AND device_hash <> (SELECT device_hash FROM sign_in_devices WHERE user_id = p_user_id
                              ORDER BY last_seen_at DESC LIMIT 1)),
      noted AS (
        INSERT INTO sign_in_devices (user_id, device_hash, first_seen_at, last_seen_at)
        VALUES (p_user_id, p_device, p_at, p_at)
        ON CONFLICT (user_id, device_hash) DO UPDATE SET last_seen_at = EXCLUDED.last_seen_at,
          first_seen_at = CASE WHEN sign_in_devices.last_seen_at < p_forget_before
                               THEN EXCLUDED.first_seen_at ELSE sign_in_devices.first_seen_at END)
      SELECT count(*)::int, coalesce(bool_or(d.device_hash = p_device AND d.last_seen_at >= p_forget_before), false)
        INTO v_devices, v_known
        FROM sign_in_devices d WHERE d.user_id = p_user_id;
      RETURN QUERY SELECT false, v_teams, v_devices, v_known;
    END
    $$`
})
