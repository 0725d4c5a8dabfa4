import { StateConflict } from "@poststack/domain"
import { Effect } from "effect"
import { GetPrivacyJob } from "./RequestPrivacyJob.js"

/**
 * A finished export's archive, as the job stored it. An erasure has none; an export still
 * running has none yet; a finished export whose address was erased since has none any more
 * (the erasure deletes it): each is a state conflict, not a missing job.
 */
export const DownloadPrivacyExport = Effect.fn("DownloadPrivacyExport")(function* (
  principal: Parameters<typeof GetPrivacyJob>[0],
  id: string
) {
  const job = yield* GetPrivacyJob(principal, id)
  if (job.kind !== "export") return yield* new StateConflict({ message: "An erasure has no archive" })
  if (job.status !== "done") return yield* new StateConflict({ message: "The export is not finished yet" })
  if (job.result === null)
    return yield* new StateConflict({
      message: "The export's archive was deleted when its address was erased"
    })
  return { job, archive: job.result }
})
