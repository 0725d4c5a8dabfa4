import { Effect } from "effect"
import { EmailRepository, type EmailFilter } from "../../ports/EmailRepository.js"
import { authorize, type Principal } from "../Principal.js"

/** The team's emails, newest first; a domain-scoped key sees its own domain's only. */
export const ListEmails = Effect.fn("ListEmails")(function* (
  principal: Principal,
  filter: EmailFilter,
  page: number,
  perPage: number
) {
  const scope = yield* authorize(principal, "emails")
  const emails = yield* EmailRepository
  if (scope.domainId === null) return yield* emails.list(scope.teamId, filter, page, perPage)
  // Asking a scoped key for another domain's mail finds none, as asking for a domain that does not exist.
  if (filter.domainId !== undefined && filter.domainId !== scope.domainId) return { emails: [], total: 0 }
  return yield* emails.list(scope.teamId, { ...filter, domainId: scope.domainId }, page, perPage)
})
