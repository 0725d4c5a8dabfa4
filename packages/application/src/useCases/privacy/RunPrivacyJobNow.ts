import type { ErasureProgress, PrivacyJobKind } from "@poststack/domain"
import { Effect, Schedule } from "effect"
import { PrivacyJobQueue } from "../../ports/PrivacyJobQueue.js"
import type { Principal } from "../Principal.js"
import { GetPrivacyJob, RequestPrivacyJob } from "./RequestPrivacyJob.js"
import { ERASURE_BATCH, eraseSubject, exportSubject } from "./RunPrivacyJobs.js"

const LEASE_MS = 60_000

/**
 * An export or erasure requested and run here and now (the operator's CLI), rather than left to
 * a worker: the same job, audit entry and saved progress, its lease renewed while it runs so no
 * worker takes it over. Stopped half-way, the job is left to the workers, which go on from its
 * saved progress once the lease runs out. Answers the finished job.
 */
export const RunPrivacyJobNow = Effect.fn("RunPrivacyJobNow")(function* (
  principal: Principal,
  kind: PrivacyJobKind,
  address: string,
  onProgress: (progress: ErasureProgress) => Effect.Effect<void> = () => Effect.void
) {
  const requested = yield* RequestPrivacyJob(principal, kind, address)
  const queue = yield* PrivacyJobQueue
  const claimed = yield* queue.claim({ limit: 1, leaseMs: LEASE_MS, id: requested.id })
  const job = claimed[0]
  if (job !== undefined) {
    const keepLease = queue
      .extend([job], LEASE_MS)
      .pipe(Effect.ignore, Effect.repeat(Schedule.spaced(LEASE_MS / 3)), Effect.delay(LEASE_MS / 3))
    yield* Effect.scoped(
      Effect.zipRight(
        Effect.forkScoped(keepLease),
        kind === "erase" ? eraseSubject(job, ERASURE_BATCH, onProgress) : exportSubject(job)
      )
    )
  }
  // Done here, or a worker claimed it between the request and the claim: follow it to its end.
  for (;;) {
    const current = yield* GetPrivacyJob(principal, requested.id)
    if (current.status === "done") return current
    if (current.progress !== null) yield* onProgress(current.progress)
    yield* Effect.sleep("1 second")
  }
})
