import { RetentionStore, type RetentionKind } from "@poststack/application"
import type { TeamId } from "@poststack/domain"
import { Context, Effect, Layer } from "effect"

/** One row the twin holds: what `PgRetentionStore` would find in the table of its `kind`. */
export interface RetainedRow {
  readonly kind: RetentionKind
  readonly teamId: TeamId
  readonly createdAt: Date
  /** An email with a delivery still waiting or in flight; a webhook delivery being sent. */
  readonly live?: boolean | undefined
  /** Inbound mail: the stored message's key (shared by the rows of its other recipients) and its parts. */
  readonly rawKey?: string | undefined
  readonly partKeys?: ReadonlyArray<string> | undefined
}

/** The twin's rows, for tests to put in and look at. */
export class MemoryRetainedRows extends Context.Tag("@poststack/adapters-persistence/MemoryRetainedRows")<
  MemoryRetainedRows,
  {
    readonly add: (row: RetainedRow) => Effect.Effect<void>
    readonly addSession: (expiresAt: Date) => Effect.Effect<void>
    readonly count: (teamId: TeamId, kind: RetentionKind) => Effect.Effect<number>
    readonly sessions: () => Effect.Effect<number>
    /** Marks a team closed at `at`, as `TeamClosure` would. */
    readonly closeTeam: (teamId: TeamId, at: Date) => Effect.Effect<void>
    /** Whether the team is still there (not removed after its closure). */
    readonly exists: (teamId: TeamId) => Effect.Effect<boolean>
  }
>() {}

/** Retention over rows in process memory, by the rules of `PgRetentionStore`. */
export const make = Effect.sync(() => {
  let rows: Array<RetainedRow> = []
  let sessions: Array<Date> = []
  const closed = new Map<TeamId, Date>()
  const removed = new Set<TeamId>()
  const store = RetentionStore.of({
    closedTeams: (closedBefore, limit) =>
      Effect.sync(() =>
        [...closed.entries()]
          .filter(([, at]) => at < closedBefore)
          .map(([teamId]) => teamId)
          .sort((a, b) => a - b)
          .slice(0, limit)
      ),
    removeClosedTeam: (teamId) =>
      Effect.sync(() => {
        if (!closed.has(teamId)) return
        closed.delete(teamId)
        removed.add(teamId)
        rows = rows.filter((r) => r.teamId !== teamId)
      }),
    teams: (afterTeam, limit) =>
      Effect.sync(() =>
        [...new Set(rows.map((r) => r.teamId))]
          .filter((t) => t > afterTeam)
          .sort((a, b) => a - b)
          .slice(0, limit)
      ),
    purgeBefore: (teamId, kind, before, batch) =>
      Effect.sync(() => {
        const gone = rows
          .filter((r) => r.teamId === teamId && r.kind === kind && r.createdAt < before && r.live !== true)
          .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime())
          .slice(0, batch)
        rows = rows.filter((r) => !gone.includes(r))
        const freedBlobs = gone.flatMap((r) =>
          r.rawKey !== undefined && !rows.some((o) => o.rawKey === r.rawKey)
            ? [r.rawKey, ...(r.partKeys ?? [])]
            : []
        )
        return {
          removed: gone.length,
          next: gone.length < batch ? null : 0,
          freedBlobs: [...new Set(freedBlobs)]
        }
      }),
    purgeExpiredSessions: (now, batch) =>
      Effect.sync(() => {
        const expired = sessions.filter((s) => s < now).slice(0, batch)
        sessions = sessions.filter((s) => !expired.includes(s))
        return expired.length
      })
  })
  const inspect = MemoryRetainedRows.of({
    add: (row) => Effect.sync(() => void rows.push(row)),
    addSession: (expiresAt) => Effect.sync(() => void sessions.push(expiresAt)),
    count: (teamId, kind) =>
      Effect.sync(() => rows.filter((r) => r.teamId === teamId && r.kind === kind).length),
    sessions: () => Effect.sync(() => sessions.length),
    closeTeam: (teamId, at) => Effect.sync(() => void closed.set(teamId, at)),
    exists: (teamId) => Effect.sync(() => !removed.has(teamId))
  })
  return Context.make(RetentionStore, store).pipe(Context.add(MemoryRetainedRows, inspect))
})

export const layer = Layer.effectContext(make)
