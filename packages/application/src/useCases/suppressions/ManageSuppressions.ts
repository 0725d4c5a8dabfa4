import {
  normalizeAddress,
  type SuppressionReason,
  ValidationFailed,
  SuppressionNotFound
} from "@poststack/domain"
import { Effect } from "effect"
import { authorize, type Principal } from "../Principal.js"
import { type SuppressionFilter, SuppressionList } from "../../ports/SuppressionList.js"
import { recordAudit } from "../audit/RecordAudit.js"

export const ListSuppressions = Effect.fn("ListSuppressions")(function* (
  principal: Principal,
  page: number,
  perPage: number,
  filter: SuppressionFilter = {}
) {
  const { teamId } = yield* authorize(principal, "suppressions")
  const list = yield* SuppressionList
  return yield* list.list(teamId, page, perPage, filter)
})

/** Adds an address by hand; adding one already listed succeeds and keeps the first entry. */
export const AddSuppression = Effect.fn("AddSuppression")(function* (
  principal: Principal,
  email: string,
  reason: SuppressionReason
) {
  const { teamId } = yield* authorize(principal, "suppressions")
  const address = normalizeAddress(email.trim())
  if (address === undefined)
    return yield* new ValidationFailed({ message: `Invalid email address: ${email}` })
  const list = yield* SuppressionList
  const entry = yield* list.add(teamId, address, reason, null)
  yield* recordAudit(principal, "suppression.added", { type: "suppression", id: address }, { reason })
  return entry
})

export const RemoveSuppression = Effect.fn("RemoveSuppression")(function* (
  principal: Principal,
  email: string
) {
  const { teamId } = yield* authorize(principal, "suppressions")
  const list = yield* SuppressionList
  if (!(yield* list.remove(teamId, email.trim()))) return yield* new SuppressionNotFound()
  yield* recordAudit(principal, "suppression.removed", { type: "suppression", id: email.trim() })
})
