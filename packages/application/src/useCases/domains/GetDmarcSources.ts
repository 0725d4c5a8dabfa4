import type { DomainRef, TeamId } from "@poststack/domain"
import { Effect } from "effect"
import { DmarcReportRepository } from "../../ports/DmarcReportRepository.js"
import { GetDomain } from "./GetDomain.js"
import { windowSince } from "./reportWindow.js"

export const GetDmarcSources = Effect.fn("GetDmarcSources")(function* (
  teamId: TeamId,
  ref: DomainRef,
  days: number
) {
  const domain = yield* GetDomain(teamId, ref)
  const since = yield* windowSince(days)
  return yield* Effect.flatMap(DmarcReportRepository, (reports) => reports.sources(domain.id, since))
})
