import { ResourceNotFound, type TeamId } from "@poststack/domain"
import { Effect, Option } from "effect"
import { EmailRepository } from "../../ports/EmailRepository.js"

export const GetEmailEvents = Effect.fn("GetEmailEvents")(function* (teamId: TeamId, publicId: string) {
  const emails = yield* EmailRepository
  const events = yield* emails.events(teamId, publicId)
  if (Option.isNone(events)) return yield* new ResourceNotFound({ message: "Email not found" })
  return events.value
})
