import { ValidationFailed } from "@poststack/domain"
import { Effect } from "effect"
import { EmailRepository } from "../../ports/EmailRepository.js"
import type { Principal } from "../Principal.js"
import { emailNotFound, emailScope } from "./GetEmail.js"

/** Drops an email before any of its deliveries has started (a scheduled one, typically). */
export const CancelEmail = Effect.fn("CancelEmail")(function* (principal: Principal, publicId: string) {
  const { teamId } = yield* emailScope(principal, publicId)
  const emails = yield* EmailRepository
  const result = yield* emails.cancel(teamId, publicId)
  if (result === "not_found") return yield* emailNotFound()
  if (result === "too_late") {
    return yield* new ValidationFailed({ message: "The email has already entered the sending pipeline" })
  }
})
