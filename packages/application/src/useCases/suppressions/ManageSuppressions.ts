import {
  normalizeAddress,
  ResourceNotFound,
  type SuppressionReason,
  type TeamId,
  ValidationFailed
} from "@poststack/domain"
import { Effect } from "effect"
import { SuppressionList } from "../../ports/SuppressionList.js"

export const ListSuppressions = Effect.fn("ListSuppressions")(function* (
  teamId: TeamId,
  page: number,
  perPage: number
) {
  const list = yield* SuppressionList
  return yield* list.list(teamId, page, perPage)
})

/** Adds an address by hand; adding one already listed succeeds and keeps the first entry. */
export const AddSuppression = Effect.fn("AddSuppression")(function* (
  teamId: TeamId,
  email: string,
  reason: SuppressionReason
) {
  const address = normalizeAddress(email.trim())
  if (address === undefined)
    return yield* new ValidationFailed({ message: `Invalid email address: ${email}` })
  const list = yield* SuppressionList
  return yield* list.add(teamId, address, reason, null)
})

export const RemoveSuppression = Effect.fn("RemoveSuppression")(function* (teamId: TeamId, email: string) {
  const list = yield* SuppressionList
  if (!(yield* list.remove(teamId, email.trim())))
    return yield* new ResourceNotFound({ message: "Suppression not found" })
})
