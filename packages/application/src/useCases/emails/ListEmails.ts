import type { TeamId } from "@poststack/domain"
import { Effect } from "effect"
import { EmailRepository, type EmailFilter } from "../../ports/EmailRepository.js"

export const ListEmails = Effect.fn("ListEmails")(function* (
  teamId: TeamId,
  filter: EmailFilter,
  page: number,
  perPage: number
) {
  const emails = yield* EmailRepository
  return yield* emails.list(teamId, filter, page, perPage)
})
