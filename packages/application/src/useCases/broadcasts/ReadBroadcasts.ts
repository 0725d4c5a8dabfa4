import type { BroadcastPublicId, BroadcastStatus } from "@poststack/domain"
import { Effect } from "effect"
import { BroadcastRepository } from "../../ports/BroadcastRepository.js"
import { authorize, type Principal } from "../Principal.js"
import { findBroadcast } from "./content.js"

/** One of the team's broadcasts with its variants and counters. */
export const GetBroadcast = Effect.fn("GetBroadcast")(function* (
  principal: Principal,
  id: BroadcastPublicId
) {
  const { teamId } = yield* authorize(principal, "broadcasts")
  return yield* findBroadcast(teamId, id)
})

/** The team's broadcasts, newest first, by subject and status. */
export const ListBroadcasts = Effect.fn("ListBroadcasts")(function* (
  principal: Principal,
  filter: { readonly search?: string; readonly status?: BroadcastStatus },
  page: number,
  perPage: number
) {
  const { teamId } = yield* authorize(principal, "broadcasts")
  return yield* (yield* BroadcastRepository).list(teamId, filter, page, perPage)
})

/** Sent and sending broadcasts since a time, for the performance leaderboard. */
export const ListBroadcastPerformance = Effect.fn("ListBroadcastPerformance")(function* (
  principal: Principal,
  since: Date | null,
  limit: number
) {
  const { teamId } = yield* authorize(principal, "broadcasts")
  return yield* (yield* BroadcastRepository).sentSince(teamId, since, limit)
})
