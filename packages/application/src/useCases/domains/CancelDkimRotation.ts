import { type DomainRef, DkimRotationNotStarted } from "@poststack/domain"
import { Effect } from "effect"
import type { Principal } from "../Principal.js"
import { DkimKeyRepository } from "../../ports/DkimKeyRepository.js"
import { GetDomain } from "./GetDomain.js"
import { refreshRecords } from "./refreshRecords.js"

export const CancelDkimRotation = Effect.fn("CancelDkimRotation")(function* (
  principal: Principal,
  ref: DomainRef
) {
  const domain = yield* GetDomain(principal, ref)
  const dkim = yield* DkimKeyRepository
  if (!(yield* dkim.cancelPending(domain.id))) return yield* new DkimRotationNotStarted({ step: "cancel" })
  return yield* refreshRecords(domain)
})
