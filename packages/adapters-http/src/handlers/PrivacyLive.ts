import { HttpApiBuilder, HttpServerResponse } from "@effect/platform"
import {
  DownloadPrivacyExport,
  GetPrivacyJob,
  type PrivacyJob,
  RequestPrivacyJob
} from "@poststack/application"
import { ERASURE_STAGES, type ErasureCounts } from "@poststack/domain"
import { Effect } from "effect"
import { Api, CurrentPrincipal, PrivacyJobView } from "@poststack/contract"

const reportOf = (job: PrivacyJob): ErasureCounts | null => {
  if (job.kind !== "erase" || job.status !== "done") return null
  const result = job.result as { erased?: ErasureCounts } | null
  return result?.erased ?? null
}

/** Where a job stands, in the stages a person can follow. */
const progressOf = (job: PrivacyJob): PrivacyJobView["progress"] => {
  const total = job.kind === "erase" ? ERASURE_STAGES.length : 1
  if (job.status === "done")
    return {
      stage: "done",
      stagesDone: total,
      stagesTotal: total,
      counts: job.progress?.counts ?? reportOf(job)
    }
  if (job.kind === "export")
    return {
      stage: job.status === "pending" ? "pending" : "collecting",
      stagesDone: 0,
      stagesTotal: 1,
      counts: null
    }
  const progress = job.progress
  if (progress === null) return { stage: "pending", stagesDone: 0, stagesTotal: total, counts: null }
  const done = progress.stage === "done" ? total : ERASURE_STAGES.indexOf(progress.stage)
  return { stage: progress.stage, stagesDone: done, stagesTotal: total, counts: progress.counts }
}

export const toPrivacyJobView = (job: PrivacyJob) =>
  PrivacyJobView.make({
    object: "privacy_job",
    id: job.id,
    kind: job.kind,
    status: job.status,
    email: job.address,
    progress: progressOf(job),
    report: reportOf(job),
    // An erasure of the same address deletes a finished export's archive.
    downloadable: job.kind === "export" && job.status === "done" && job.result !== null,
    createdAt: job.createdAt,
    finishedAt: job.finishedAt
  })

export const PrivacyLive = HttpApiBuilder.group(Api, "privacy", (handlers) =>
  handlers
    .handle("requestExport", ({ payload }) =>
      Effect.flatMap(CurrentPrincipal, (caller) => RequestPrivacyJob(caller, "export", payload.email)).pipe(
        Effect.map(toPrivacyJobView)
      )
    )
    .handle("requestErasure", ({ payload }) =>
      Effect.flatMap(CurrentPrincipal, (caller) => RequestPrivacyJob(caller, "erase", payload.email)).pipe(
        Effect.map(toPrivacyJobView)
      )
    )
    .handle("get", ({ path }) =>
      Effect.flatMap(CurrentPrincipal, (caller) => GetPrivacyJob(caller, path.id)).pipe(
        Effect.map(toPrivacyJobView)
      )
    )
    .handle("archive", ({ path }) =>
      Effect.flatMap(CurrentPrincipal, (caller) => DownloadPrivacyExport(caller, path.id)).pipe(
        Effect.map(({ job, archive }) =>
          HttpServerResponse.uint8Array(new TextEncoder().encode(JSON.stringify(archive, null, 2)), {
            contentType: "application/json",
            headers: {
              "content-disposition": `attachment; filename="poststack-export-${job.id}.json"`,
              "x-content-type-options": "nosniff"
            }
          })
        )
      )
    )
)
