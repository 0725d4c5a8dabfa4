import type { DomainRef } from "@poststack/domain"
import { Effect } from "effect"
import type { Principal } from "../Principal.js"
import { DmarcReportRepository } from "../../ports/DmarcReportRepository.js"
import { GetDomain } from "./GetDomain.js"
import { windowSince } from "./reportWindow.js"

export const GetDmarcStats = Effect.fn("GetDmarcStats")(function* (
  principal: Principal,
  ref: DomainRef,
  days: number
) {
  const domain = yield* GetDomain(principal, ref)
  const since = yield* windowSince(days)
  return yield* Effect.flatMap(DmarcReportRepository, (reports) => reports.stats(domain.id, since))
})
