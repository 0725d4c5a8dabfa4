import { type ErasureProgress, erasureStart, nextStage } from "@poststack/domain"
import { type Duration, Effect } from "effect"
import { BlobStore } from "../../ports/BlobStore.js"
import { DataSubjectStore } from "../../ports/DataSubjectStore.js"
import { type PrivacyJob, PrivacyJobQueue } from "../../ports/PrivacyJobQueue.js"
import { runLeasedQueue } from "../runLeasedQueue.js"

/** Rows per erasure statement: each batch is one short transaction, its progress saved after it. */
export const ERASURE_BATCH = 10_000

/**
 * Erases one subject from where the job got to: stage by stage, batch by batch, saving progress
 * after each batch, so a worker that takes the job over after a crash goes on from there.
 */
export const eraseSubject = (
  job: PrivacyJob,
  batch: number = ERASURE_BATCH,
  onProgress: (progress: ErasureProgress) => Effect.Effect<void> = () => Effect.void
) =>
  Effect.gen(function* () {
    const store = yield* DataSubjectStore
    const queue = yield* PrivacyJobQueue
    const blobs = yield* BlobStore
    const address = job.address
    if (address === null) return
    let progress: ErasureProgress = job.progress ?? erasureStart
    while (progress.stage !== "done") {
      const stage = progress.stage
      const step = yield* store.eraseStep(job.teamId, address, stage, progress.cursor, batch)
      let removedFiles = 0
      for (const key of step.freedBlobs) {
        // A file that cannot be deleted now stops the job: it is tried again, never forgotten.
        yield* blobs.remove(key)
        removedFiles++
      }
      const counts = {
        ...progress.counts,
        [stage]: progress.counts[stage] + step.removed,
        blobs: progress.counts.blobs + removedFiles
      }
      progress =
        step.cursor === null
          ? { stage: nextStage(stage), cursor: 0, counts }
          : { stage, cursor: step.cursor, counts }
      yield* queue.saveProgress(job.id, progress)
      yield* onProgress(progress)
    }
    yield* queue.finish(job.id, { erased: progress.counts })
    yield* Effect.logInfo("data subject erased").pipe(
      Effect.annotateLogs({ job: job.id, ...progress.counts })
    )
  })

/** Collects everything the team holds about the subject into the job's archive. */
export const exportSubject = (job: PrivacyJob) =>
  Effect.gen(function* () {
    if (job.address === null) return
    const archive = yield* Effect.flatMap(DataSubjectStore, (s) =>
      s.exportSubject(job.teamId, job.address ?? "")
    )
    yield* Effect.flatMap(PrivacyJobQueue, (q) =>
      q.finish(job.id, { format: "poststack.subject-export.v1", subject: job.address, ...archive })
    )
  })

/** Runs one claimed job to its end. */
export const runPrivacyJob = (job: PrivacyJob) =>
  job.kind === "erase" ? eraseSubject(job) : exportSubject(job)

/** The worker's `privacy.jobs` job: exports and erasures on the leased-queue runner, two at a time. */
export const RunPrivacyJobs = (options: {
  readonly leaseMs: number
  readonly idle: Duration.DurationInput
}) =>
  Effect.flatMap(PrivacyJobQueue, (queue) =>
    runLeasedQueue(queue, runPrivacyJob, {
      name: "privacy.jobs",
      concurrency: 2,
      leaseMs: options.leaseMs,
      idle: options.idle
    })
  )
