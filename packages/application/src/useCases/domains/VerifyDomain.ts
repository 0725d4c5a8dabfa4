import type { DomainRef, TeamId } from "@poststack/domain"
import { Effect } from "effect"
import { CheckDomainDns } from "./CheckDomainDns.js"
import { GetDomain } from "./GetDomain.js"

/** Checks the domain's DNS now and returns it with the new statuses. */
export const VerifyDomain = Effect.fn("VerifyDomain")(function* (teamId: TeamId, ref: DomainRef) {
  return yield* CheckDomainDns(yield* GetDomain(teamId, ref))
})
