import { type DomainRef, StateConflict, type TeamId } from "@poststack/domain"
import { Effect } from "effect"
import { DkimKeyRepository } from "../../ports/DkimKeyRepository.js"
import { GetDomain } from "./GetDomain.js"
import { refreshRecords } from "./refreshRecords.js"

export const CancelDkimRotation = Effect.fn("CancelDkimRotation")(function* (teamId: TeamId, ref: DomainRef) {
  const domain = yield* GetDomain(teamId, ref)
  const dkim = yield* DkimKeyRepository
  if (!(yield* dkim.cancelPending(domain.id)))
    return yield* new StateConflict({ message: "No DKIM rotation to cancel" })
  return yield* refreshRecords(domain)
})
