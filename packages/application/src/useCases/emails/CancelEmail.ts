import { ResourceNotFound, type TeamId, ValidationFailed } from "@poststack/domain"
import { Effect } from "effect"
import { EmailRepository } from "../../ports/EmailRepository.js"

/** Drops an email before any of its deliveries has started (a scheduled one, typically). */
export const CancelEmail = Effect.fn("CancelEmail")(function* (teamId: TeamId, publicId: string) {
  const emails = yield* EmailRepository
  const result = yield* emails.cancel(teamId, publicId)
  if (result === "not_found") return yield* new ResourceNotFound({ message: "Email not found" })
  if (result === "too_late") {
    return yield* new ValidationFailed({ message: "The email has already entered the sending pipeline" })
  }
})
