import {
  canReschedule,
  EmailNotFound,
  EmailNotReschedulable,
  ScheduleTooFarAhead,
  sendTimeFor,
  tooFarAhead
} from "@poststack/domain"
import { Clock, Effect } from "effect"
import { EmailRepository } from "../../ports/EmailRepository.js"
import type { Principal } from "../Principal.js"
import { emailScope } from "./GetEmail.js"

/** Moves a scheduled email that has not been sent yet. */
export const RescheduleEmail = Effect.fn("RescheduleEmail")(function* (
  principal: Principal,
  publicId: string,
  at: Date
) {
  const now = new Date(yield* Clock.currentTimeMillis)
  if (tooFarAhead(at, now)) return yield* new ScheduleTooFarAhead({ scheduledAt: at })
  const { teamId } = yield* emailScope(principal, publicId)
  const emails = yield* EmailRepository
  const outcome = yield* emails.reschedule(teamId, publicId, sendTimeFor(at, now), canReschedule)
  if (outcome._tag === "NotFound") return yield* new EmailNotFound({ publicId })
  if (outcome._tag === "Refused") return yield* new EmailNotReschedulable({ publicId })
})
