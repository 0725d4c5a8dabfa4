import { type DomainRef, placementOf } from "@poststack/domain"
import { Effect } from "effect"
import type { Principal } from "../Principal.js"
import { EmailRepository } from "../../ports/EmailRepository.js"
import { GetDomain } from "./GetDomain.js"
import { windowSince } from "./reportWindow.js"

/** How the domain's live mail fared over the last `days` days, per provider, with the signals behind refusals. */
export const GetInboxPlacement = Effect.fn("GetInboxPlacement")(function* (
  principal: Principal,
  ref: DomainRef,
  days: number
) {
  const domain = yield* GetDomain(principal, ref)
  const since = yield* windowSince(days)
  const rows = yield* Effect.flatMap(EmailRepository, (emails) => emails.placementRows(domain.id, since))
  return placementOf(days, rows)
})
