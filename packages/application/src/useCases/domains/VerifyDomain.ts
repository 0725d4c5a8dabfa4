import type { DomainRef } from "@poststack/domain"
import { Effect } from "effect"
import type { Principal } from "../Principal.js"
import { CheckDomainDns } from "./CheckDomainDns.js"
import { GetDomain } from "./GetDomain.js"

/** Checks the domain's DNS now and returns it with the new statuses. */
export const VerifyDomain = Effect.fn("VerifyDomain")(function* (principal: Principal, ref: DomainRef) {
  return yield* CheckDomainDns(yield* GetDomain(principal, ref))
})
