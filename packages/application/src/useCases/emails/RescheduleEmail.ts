import { LIMITS, ValidationFailed } from "@poststack/domain"
import { Clock, Effect } from "effect"
import { EmailRepository } from "../../ports/EmailRepository.js"
import type { Principal } from "../Principal.js"
import { emailNotFound, emailScope } from "./GetEmail.js"

/** Moves a scheduled email that has not been sent yet. */
export const RescheduleEmail = Effect.fn("RescheduleEmail")(function* (
  principal: Principal,
  publicId: string,
  at: Date
) {
  const now = yield* Clock.currentTimeMillis
  if (at.getTime() - now > LIMITS.scheduleAheadMs) {
    return yield* new ValidationFailed({ message: "scheduled_at must be within 30 days" })
  }
  const { teamId } = yield* emailScope(principal, publicId)
  const emails = yield* EmailRepository
  // A time already past means now, as it does on a send (and a year like -271821 is no time to store).
  const result = yield* emails.reschedule(teamId, publicId, at.getTime() < now ? new Date(now) : at)
  if (result === "not_found") return yield* emailNotFound()
  if (result === "not_scheduled") {
    return yield* new ValidationFailed({
      message: "Only a scheduled email that has not been sent can be rescheduled"
    })
  }
})
