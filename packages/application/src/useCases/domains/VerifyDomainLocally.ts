import { type DomainRef, type TeamId, DomainNotFound } from "@poststack/domain"
import { Clock, Effect, Option } from "effect"
import { DomainRepository } from "../../ports/DomainRepository.js"
import { asOperator } from "../Principal.js"
import { GetDomain } from "./GetDomain.js"

/**
 * The operator's shortcut for local use: the domain becomes verified without a DNS check, so a
 * first email can be sent (in test mode, or to a local sink) before any record is published. Only
 * the operator's CLI calls it; no API route does. It is logged, and the domain shows it
 * (`verifiedLocallyAt`) for as long as it lasts.
 */
export const VerifyDomainLocally = Effect.fn("VerifyDomainLocally")(function* (
  teamId: TeamId,
  ref: DomainRef
) {
  // Only the operator reaches this use case, so it acts with the operator's reach in the team.
  const domain = yield* GetDomain(asOperator(teamId), ref)
  const domains = yield* DomainRepository
  const now = new Date(yield* Clock.currentTimeMillis)
  const saved = yield* domains.markVerifiedLocally(teamId, domain.id, now)
  if (Option.isNone(saved)) return yield* new DomainNotFound()
  yield* Effect.logWarning("domain marked verified for local use, without a DNS check").pipe(
    Effect.annotateLogs({ team: teamId, domain: saved.value.publicId, name: saved.value.name })
  )
  return saved.value
})
