import { type PrivacyJobKind, PrivacyJobNotFound, subjectAddress, ValidationFailed } from "@poststack/domain"
import { Effect, Option } from "effect"
import { PrivacyJobQueue } from "../../ports/PrivacyJobQueue.js"
import { recordAudit } from "../audit/RecordAudit.js"
import { authorize, type Principal } from "../Principal.js"

/**
 * Starts an export or an erasure of one data subject of the principal's team (P37): full-access
 * keys, owners and admins only. The work runs as a worker job; the job answers its progress.
 */
export const RequestPrivacyJob = Effect.fn("RequestPrivacyJob")(function* (
  principal: Principal,
  kind: PrivacyJobKind,
  rawAddress: string
) {
  const { teamId } = yield* authorize(principal, "privacy")
  const address = subjectAddress(rawAddress)
  if (address === undefined) return yield* new ValidationFailed({ message: "email must be an email address" })
  const job = yield* Effect.flatMap(PrivacyJobQueue, (q) =>
    q.enqueue({
      teamId,
      kind,
      address,
      requestedBy: principal._tag === "Person" ? String(principal.userId) : null
    })
  )
  // The log keeps who asked and which job, never the address (it would outlive the erasure).
  yield* recordAudit(
    principal,
    kind === "erase" ? "data.erased" : "data.exported",
    { type: "privacy_job", id: job.id },
    {
      kind
    }
  )
  return job
})

/** One of the team's export or erasure jobs, with its progress and, when done, its archive or report. */
export const GetPrivacyJob = Effect.fn("GetPrivacyJob")(function* (principal: Principal, id: string) {
  const { teamId } = yield* authorize(principal, "privacy")
  const job = yield* Effect.flatMap(PrivacyJobQueue, (q) => q.find(teamId, id))
  if (Option.isNone(job)) return yield* new PrivacyJobNotFound()
  return job.value
})
