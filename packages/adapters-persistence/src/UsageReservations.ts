import { type Plan, quotaRefusal, type Refusal, type TeamId, type UsageToDate } from "@poststack/domain"
import { Effect } from "effect"

interface Held {
  /** Usage as stored when the first place now held was taken. */
  base: UsageToDate
  /** Places taken and not settled. */
  pending: number
  /** Places settled as accepted since `base` was read. */
  accepted: number
}

/**
 * The places held under each team's limits in this process. While any is held, usage is the
 * stored count read when the first was taken plus what was admitted since, so the emails of a
 * batch, accepted concurrently, are counted against each other exactly; once none is held, the
 * next admission reads the store again. Admissions of one team are serialised (the read and the
 * decision); sends of unlimited teams never come here.
 */
export const makeReservations = <E>(
  readUsage: (teamId: TeamId, now: Date) => Effect.Effect<UsageToDate, E>
) => {
  const held = new Map<TeamId, Held>()
  const locks = new Map<TeamId, Effect.Semaphore>()
  const lockOf = (teamId: TeamId) => {
    let lock = locks.get(teamId)
    if (lock === undefined) {
      lock = Effect.unsafeMakeSemaphore(1)
      locks.set(teamId, lock)
    }
    return lock
  }
  const admit = (teamId: TeamId, plan: Plan, now: Date): Effect.Effect<Refusal | null, E> =>
    lockOf(teamId).withPermits(1)(
      Effect.gen(function* () {
        let entry = held.get(teamId)
        if (entry === undefined) {
          entry = { base: yield* readUsage(teamId, now), pending: 0, accepted: 0 }
          held.set(teamId, entry)
        }
        const extra = entry.pending + entry.accepted
        const refusal = quotaRefusal(plan, {
          today: entry.base.today + extra,
          month: entry.base.month + extra
        })
        if (refusal === null) entry.pending++
        else if (entry.pending === 0) held.delete(teamId)
        return refusal
      })
    )
  const settle = (teamId: TeamId, accepted: boolean): Effect.Effect<void> =>
    Effect.sync(() => {
      const entry = held.get(teamId)
      if (entry === undefined) return
      entry.pending--
      if (accepted) entry.accepted++
      if (entry.pending <= 0) held.delete(teamId)
    })
  return { admit, settle }
}
