import { SessionRequired, type UserId } from "@poststack/domain"
import { Effect, Option } from "effect"
import { MembershipRepository } from "../../ports/MembershipRepository.js"
import { UserRepository } from "../../ports/UserRepository.js"

/** The signed-in person and the teams they belong to. */
export const GetAccount = Effect.fn("GetAccount")(function* (userId: UserId) {
  const found = yield* (yield* UserRepository).get(userId)
  if (Option.isNone(found)) return yield* new SessionRequired({ message: "Sign in first" })
  const teams = yield* (yield* MembershipRepository).listForUser(userId)
  return { user: found.value.user, teams }
})
