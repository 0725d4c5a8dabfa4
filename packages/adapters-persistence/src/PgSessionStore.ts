import { SqlClient } from "@effect/sql"
import { SessionStore } from "@poststack/application"
import { Array as Arr, Effect, Layer, Option } from "effect"
import { type SessionRow, toSession } from "./AccountRows.js"
import { unavailable } from "./SqlErrors.js"

/**
 * Sessions by the SHA-256 of their cookie. An ended session is deleted, not flagged: nothing of it
 * is kept, and an expired one is simply never found (and deleted on its person's next sign-in).
 */
export const make = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const columns = sql`id, user_id, team_id, created_at, expires_at, last_seen_at, address, user_agent`

  return SessionStore.of({
    // One statement, not a transaction of two: a sign-in waits for one round trip here, not four.
    create: (session) =>
      sql<SessionRow>`
        WITH expired AS (
          DELETE FROM sessions WHERE user_id = ${session.userId} AND expires_at <= ${session.createdAt})
        INSERT INTO sessions (id, token_hash, user_id, team_id, created_at, expires_at, last_seen_at, address, user_agent)
        VALUES (${session.id}, ${Buffer.from(session.tokenHash)}, ${session.userId}, ${session.teamId},
                ${session.createdAt}, ${session.expiresAt}, ${session.createdAt}, ${session.address}, ${session.userAgent})
        RETURNING ${columns}`.pipe(
        Effect.map((rows) => toSession(Option.getOrThrow(Arr.head(rows)))),
        unavailable
      ),
    findByTokenHash: (tokenHash, now) =>
      sql<SessionRow>`
        SELECT ${columns} FROM sessions WHERE token_hash = ${Buffer.from(tokenHash)} AND expires_at > ${now}`.pipe(
        Effect.map((rows) => Option.map(Arr.head(rows), toSession)),
        unavailable
      ),
    touch: (id, at) =>
      sql`UPDATE sessions SET last_seen_at = ${at} WHERE id = ${id}`.pipe(Effect.asVoid, unavailable),
    list: (userId, now) =>
      sql<SessionRow>`
        SELECT ${columns} FROM sessions WHERE user_id = ${userId} AND expires_at > ${now}
        ORDER BY created_at DESC, id`.pipe(Effect.map(Arr.map(toSession)), unavailable),
    revoke: (userId, id) =>
      sql<{ id: string }>`DELETE FROM sessions WHERE user_id = ${userId} AND id = ${id} RETURNING id`.pipe(
        Effect.map((rows) => rows.length > 0),
        unavailable
      ),
    revokeAll: (userId, keep) =>
      sql<{ id: string }>`
        DELETE FROM sessions WHERE user_id = ${userId} AND id <> ${keep ?? ""} RETURNING id`.pipe(
        Effect.map((rows) => rows.length),
        unavailable
      ),
    selectTeam: (id, teamId) =>
      sql`UPDATE sessions SET team_id = ${teamId} WHERE id = ${id}`.pipe(Effect.asVoid, unavailable),
    // One statement (a sign-in waits for one round trip, not five). Its parts share one snapshot,
    // so the count is of the devices before the forgetting, which never takes the newest: "none
    // at all" reads the same. The device being noted is left to the upsert, not forgotten, so no
    // row is changed twice by the statement (a forgotten one starts again as first seen now).
    noteDevice: (userId, device, at, forgetBefore) =>
      sql<{ n: number; known: boolean }>`
        WITH forgotten AS (
          DELETE FROM sign_in_devices WHERE user_id = ${userId} AND last_seen_at < ${forgetBefore}
            AND device_hash <> ${device}
            AND device_hash <> (SELECT device_hash FROM sign_in_devices WHERE user_id = ${userId}
                                ORDER BY last_seen_at DESC LIMIT 1)),
        noted AS (
          INSERT INTO sign_in_devices (user_id, device_hash, first_seen_at, last_seen_at)
          VALUES (${userId}, ${device}, ${at}, ${at})
          ON CONFLICT (user_id, device_hash) DO UPDATE SET last_seen_at = EXCLUDED.last_seen_at,
            first_seen_at = CASE WHEN sign_in_devices.last_seen_at < ${forgetBefore}
                                 THEN EXCLUDED.first_seen_at ELSE sign_in_devices.first_seen_at END)
        SELECT count(*)::int AS n,
          coalesce(bool_or(device_hash = ${device} AND last_seen_at >= ${forgetBefore}), false) AS known
        FROM sign_in_devices WHERE user_id = ${userId}`.pipe(
        Effect.map(([seen]) => ({ known: seen?.known === true, firstSignIn: (seen?.n ?? 0) === 0 })),
        unavailable
      )
  })
})

export const layer = Layer.effect(SessionStore, make)
