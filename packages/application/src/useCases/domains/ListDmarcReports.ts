import type { DomainRef, TeamId } from "@poststack/domain"
import { Effect } from "effect"
import { DmarcReportRepository } from "../../ports/DmarcReportRepository.js"
import { GetDomain } from "./GetDomain.js"

export const ListDmarcReports = Effect.fn("ListDmarcReports")(function* (
  teamId: TeamId,
  ref: DomainRef,
  page: number,
  perPage: number
) {
  const domain = yield* GetDomain(teamId, ref)
  return yield* Effect.flatMap(DmarcReportRepository, (reports) => reports.page(domain.id, page, perPage))
})
