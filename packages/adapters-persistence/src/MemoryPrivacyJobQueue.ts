import { createHash, randomBytes } from "node:crypto"
import { type PrivacyJob, PrivacyJobQueue } from "@poststack/application"
import { Clock, Effect, Layer, Option } from "effect"

interface Held {
  job: PrivacyJob
  readonly addressHash: string
  leaseUntil: number
}

const hashOf = (address: string) => createHash("sha256").update(address).digest("hex")

/** Privacy jobs in process memory, by the rules of `PgPrivacyJobQueue`. */
export const make = Effect.sync(() => {
  const jobs = new Map<string, Held>()
  return PrivacyJobQueue.of({
    enqueue: ({ teamId, kind, address, requestedBy }) =>
      Effect.map(Clock.currentTimeMillis, (now) => {
        const job: PrivacyJob = {
          id: `prj_${randomBytes(12).toString("hex")}`,
          teamId,
          kind,
          address,
          status: "pending",
          progress: null,
          result: null,
          requestedBy,
          createdAt: new Date(now),
          finishedAt: null
        }
        jobs.set(job.id, { job, addressHash: hashOf(address), leaseUntil: 0 })
        return job
      }),
    find: (teamId, id) =>
      Effect.sync(() => {
        const held = jobs.get(id)
        return held === undefined || held.job.teamId !== teamId ? Option.none() : Option.some(held.job)
      }),
    claim: ({ limit, leaseMs, id }) =>
      Effect.map(Clock.currentTimeMillis, (now) =>
        [...jobs.values()]
          .filter((h) => id === undefined || h.job.id === id)
          .filter((h) => h.job.status === "pending" || (h.job.status === "running" && h.leaseUntil < now))
          .sort((a, b) => a.job.createdAt.getTime() - b.job.createdAt.getTime())
          .slice(0, limit)
          .map((h) => {
            h.job = { ...h.job, status: "running" }
            h.leaseUntil = now + leaseMs
            return h.job
          })
      ),
    extend: (claimed, leaseMs) =>
      Effect.map(Clock.currentTimeMillis, (now) => {
        for (const c of claimed) {
          const h = jobs.get(c.id)
          if (h?.job.status === "running") h.leaseUntil = now + leaseMs
        }
      }),
    release: (claimed) =>
      Effect.sync(() => {
        for (const c of claimed) {
          const h = jobs.get(c.id)
          if (h?.job.status === "running") {
            h.job = { ...h.job, status: "pending" }
            h.leaseUntil = 0
          }
        }
      }),
    saveProgress: (id, progress) =>
      Effect.sync(() => {
        const h = jobs.get(id)
        if (h !== undefined) h.job = { ...h.job, progress }
      }),
    finish: (id, result) =>
      Effect.map(Clock.currentTimeMillis, (now) => {
        const h = jobs.get(id)
        if (h === undefined) return
        const erase = h.job.kind === "erase"
        h.job = {
          ...h.job,
          status: "done",
          result,
          finishedAt: new Date(now),
          address: erase ? null : h.job.address
        }
        if (!erase) return
        for (const other of jobs.values())
          if (
            other.job.teamId === h.job.teamId &&
            other.addressHash === h.addressHash &&
            other.job.kind === "export"
          )
            other.job = { ...other.job, address: null, result: null }
      })
  })
})

export const layer = Layer.effect(PrivacyJobQueue, make)
