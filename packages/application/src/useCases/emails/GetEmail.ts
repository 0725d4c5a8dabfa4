import { ResourceNotFound, type TeamId } from "@poststack/domain"
import { Effect, Option } from "effect"
import { EmailRepository } from "../../ports/EmailRepository.js"

/** The email with its bodies and its events, oldest first. */
export const GetEmail = Effect.fn("GetEmail")(function* (teamId: TeamId, publicId: string) {
  const emails = yield* EmailRepository
  const email = yield* emails.get(teamId, publicId)
  const events = yield* emails.events(teamId, publicId)
  if (Option.isNone(email) || Option.isNone(events))
    return yield* new ResourceNotFound({ message: "Email not found" })
  return { ...email.value, events: events.value }
})
