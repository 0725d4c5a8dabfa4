import {
  addPurges,
  clampRetentionDays,
  noPurge,
  type PurgeCounts,
  retentionCutoff,
  type TeamId
} from "@poststack/domain"
import { Clock, Effect } from "effect"
import { BlobStore } from "../../ports/BlobStore.js"
import { RetentionPolicySource } from "../../ports/RetentionPolicySource.js"
import { type RetentionKind, RetentionStore } from "../../ports/RetentionStore.js"

/** Rows per statement: small enough that each transaction holds its locks for milliseconds. */
export const RETENTION_BATCH = 2_000

/**
 * The most rows per second a pass deletes. Flat out, the outbox purge clears over 300,000 rows a
 * second and takes a whole core with the WAL it writes (a full page image for nearly every page it
 * touches); beside `POST /emails` at half load on two cores that put the senders' p99 at 70-100 ms.
 * At this pace it takes about a quarter of that, still well over the 50,000 asked (bench:retention).
 */
export const PURGE_ROWS_PER_SECOND = 80_000

const TEAMS_PER_PAGE = 100

// Webhook deliveries and outbox events first: they name the emails' recipients and are the largest.
const KINDS: ReadonlyArray<RetentionKind> = ["webhookDeliveries", "events", "emails", "inbound"]

/**
 * How long the pass rests after a batch that took `tookMs` and removed `removed` rows: long enough
 * to keep to `PURGE_ROWS_PER_SECOND`, and never shorter than the batch took (on a busy database
 * the pass then takes at most half of what it gets), at most a second.
 */
export const restAfter = (tookMs: number, removed: number) =>
  Math.min(1_000, Math.max(tookMs, (removed / PURGE_ROWS_PER_SECOND) * 1_000 - tookMs))

// Wall time, whatever clock a test moves: the rest paces the database, not the schedule.
const rest = (startedAt: number, removed: number) =>
  Effect.promise(
    () =>
      new Promise<void>((resolve) => setTimeout(resolve, restAfter(performance.now() - startedAt, removed)))
  )

/** Deletes the team's rows of one kind older than `before`, batch after batch, files on disk too. */
export const purgeKind = (teamId: TeamId, kind: RetentionKind, before: Date, batch: number) =>
  Effect.gen(function* () {
    const store = yield* RetentionStore
    const blobs = yield* BlobStore
    let removed = 0
    let freed = 0
    let after = 0
    for (;;) {
      const startedAt = performance.now()
      const done = yield* store.purgeBefore(teamId, kind, before, batch, after)
      removed += done.removed
      // The rows are gone; a file that fails to go is logged for the operator and tried by nothing else.
      for (const key of done.freedBlobs) {
        yield* blobs.remove(key).pipe(
          Effect.zipRight(Effect.sync(() => freed++)),
          Effect.catchAll(() =>
            Effect.logWarning("retention: a stored file could not be deleted").pipe(
              Effect.annotateLogs("key", key)
            )
          )
        )
      }
      if (done.next === null) break
      after = done.next
      yield* rest(startedAt, done.removed)
    }
    return { [kind]: removed, blobs: freed } as Partial<PurgeCounts>
  })

/**
 * One retention pass (P22-P24, P29): for every team, what is older than its retention (its plan's,
 * `RetentionPolicySource`), in bounded batches; then expired sessions. Suppressions are never
 * touched (P26); the audit and request logs have their own purges.
 */
export const PurgeExpiredData = Effect.fn("PurgeExpiredData")(function* (batch: number = RETENTION_BATCH) {
  const store = yield* RetentionStore
  const policy = yield* RetentionPolicySource
  const now = yield* Clock.currentTimeMillis
  let total = noPurge
  let after = 0
  for (;;) {
    const teams = yield* store.teams(after, TEAMS_PER_PAGE)
    for (const teamId of teams) {
      const before = retentionCutoff(now, clampRetentionDays(yield* policy.retentionDays(teamId)))
      for (const kind of KINDS) total = addPurges(total, yield* purgeKind(teamId, kind, before, batch))
    }
    const last = teams.at(-1)
    if (last === undefined || teams.length < TEAMS_PER_PAGE) break
    after = last
  }
  let sessions = 0
  for (;;) {
    const removed = yield* store.purgeExpiredSessions(new Date(now), batch)
    sessions += removed
    if (removed < batch) break
  }
  if (sessions > 0 || Object.values(total).some((n) => n > 0))
    yield* Effect.logInfo("retention purge").pipe(Effect.annotateLogs({ ...total, sessions }))
  return { ...total, sessions }
})

/** How long a closed team's data waits before it is deleted: well inside the 30 days P25 promises. */
export const CLOSED_TEAM_GRACE_DAYS = 14

/**
 * Deletes the teams closed `CLOSED_TEAM_GRACE_DAYS` ago or more (P25): their mail, events, inbound
 * mail with its files and webhook deliveries in bounded batches first, then the team's row with
 * everything else of its own. Billing records stay (P27). Answers how many teams went.
 */
export const PurgeClosedTeams = Effect.fn("PurgeClosedTeams")(function* (batch: number = RETENTION_BATCH) {
  const store = yield* RetentionStore
  const now = yield* Clock.currentTimeMillis
  const teams = yield* store.closedTeams(new Date(now - CLOSED_TEAM_GRACE_DAYS * 86_400_000), TEAMS_PER_PAGE)
  // Everything of the team's is older than a moment from now.
  const everything = new Date(now + 86_400_000)
  for (const teamId of teams) {
    for (const kind of KINDS) yield* purgeKind(teamId, kind, everything, batch)
    yield* store.removeClosedTeam(teamId)
    yield* Effect.logInfo("closed team deleted").pipe(Effect.annotateLogs("team", teamId))
  }
  return teams.length
})
