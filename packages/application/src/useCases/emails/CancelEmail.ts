import { canCancel, EmailNotCancellable, EmailNotFound } from "@poststack/domain"
import { Effect } from "effect"
import { EmailRepository } from "../../ports/EmailRepository.js"
import type { Principal } from "../Principal.js"
import { emailScope } from "./GetEmail.js"

/** Drops an email before any of its deliveries has started (a scheduled one, typically). */
export const CancelEmail = Effect.fn("CancelEmail")(function* (principal: Principal, publicId: string) {
  const { teamId } = yield* emailScope(principal, publicId)
  const emails = yield* EmailRepository
  const outcome = yield* emails.cancel(teamId, publicId, canCancel)
  if (outcome._tag === "NotFound") return yield* new EmailNotFound({ publicId })
  if (outcome._tag === "Refused") return yield* new EmailNotCancellable({ publicId })
})
