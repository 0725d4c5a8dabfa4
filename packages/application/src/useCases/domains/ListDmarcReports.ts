import type { DomainRef } from "@poststack/domain"
import { Effect } from "effect"
import type { Principal } from "../Principal.js"
import { DmarcReportRepository } from "../../ports/DmarcReportRepository.js"
import { GetDomain } from "./GetDomain.js"

export const ListDmarcReports = Effect.fn("ListDmarcReports")(function* (
  principal: Principal,
  ref: DomainRef,
  page: number,
  perPage: number
) {
  const domain = yield* GetDomain(principal, ref)
  return yield* Effect.flatMap(DmarcReportRepository, (reports) => reports.page(domain.id, page, perPage))
})
