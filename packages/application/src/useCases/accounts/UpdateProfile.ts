import type { UserId } from "@poststack/domain"
import { Effect } from "effect"
import { UserRepository } from "../../ports/UserRepository.js"
import { GetAccount } from "./GetAccount.js"

/** Sets the person's display name and time zone (used for dates in the dashboard and mails). */
export const UpdateProfile = Effect.fn("UpdateProfile")(function* (
  userId: UserId,
  profile: { readonly name?: string; readonly timeZone?: string }
) {
  yield* (yield* UserRepository).setProfile(userId, profile)
  return yield* GetAccount(userId)
})
