import { EmailNotFound } from "@poststack/domain"
import { Effect, Option } from "effect"
import { EmailRepository } from "../../ports/EmailRepository.js"
import type { Principal } from "../Principal.js"
import { emailScope } from "./GetEmail.js"

export const GetEmailEvents = Effect.fn("GetEmailEvents")(function* (principal: Principal, publicId: string) {
  const scope = yield* emailScope(principal, publicId)
  const emails = yield* EmailRepository
  const events = yield* emails.events(scope.teamId, publicId)
  if (Option.isNone(events)) return yield* new EmailNotFound({ publicId })
  return events.value
})
