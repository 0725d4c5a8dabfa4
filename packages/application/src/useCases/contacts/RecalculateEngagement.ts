import { engagementCutoffs } from "@poststack/domain"
import { Clock, Effect } from "effect"
import { ContactEngagement } from "../../ports/ContactEngagement.js"

export interface EngagementRound {
  /** Events read per statement. */
  readonly batch: number
  /** How often a round reads every event from the start rather than only the new ones. */
  readonly fullPassEveryMs: number
}

export const DEFAULT_ENGAGEMENT_ROUND: EngagementRound = { batch: 50_000, fullPassEveryMs: 86_400_000 }

/**
 * One round of the engagement task. It folds the opens and clicks stored since the round before
 * last (a round re-reads the one before it: an event whose transaction committed late, behind a
 * higher position already read, is still seen), then moves the contacts whose segment time has
 * changed. Once a day it reads every event from the start instead, which gives a contact created
 * after its address engaged that history.
 */
export const RecalculateEngagement = Effect.fn("RecalculateEngagement")(function* (
  round: EngagementRound = DEFAULT_ENGAGEMENT_ROUND
) {
  const store = yield* ContactEngagement
  const now = new Date(yield* Clock.currentTimeMillis)
  const cutoffs = engagementCutoffs(now)
  const progress = yield* store.progress()
  const full =
    progress.fullPassAt === null || now.getTime() - progress.fullPassAt.getTime() >= round.fullPassEveryMs
  let position = full ? 0 : progress.resumeAfter
  let read = 0
  for (;;) {
    const folded = yield* store.fold(position, round.batch, cutoffs)
    read += folded.read
    if (folded.last === null) break
    position = folded.last
    if (folded.read < round.batch) break
  }
  let moved = 0
  for (;;) {
    const n = yield* store.reclassify(cutoffs, round.batch)
    moved += n
    if (n < round.batch) break
  }
  yield* store.saveProgress({
    resumeAfter: progress.readThrough,
    readThrough: Math.max(position, progress.readThrough),
    fullPassAt: full ? now : progress.fullPassAt
  })
  yield* Effect.logInfo("engagement recalculated").pipe(
    Effect.annotateLogs({ events: read, reclassified: moved, full })
  )
  return { events: read, reclassified: moved, full }
})
