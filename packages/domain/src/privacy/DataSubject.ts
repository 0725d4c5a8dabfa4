import { Schema } from "effect"

/** A data subject's address as erasure and export match it: trimmed and lower-cased (P37). */
export const subjectAddress = (raw: string): string | undefined => {
  const address = raw.trim().toLowerCase()
  return address.length <= 320 && /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(address) ? address : undefined
}

/**
 * A regular expression (PostgreSQL's and JavaScript's dialect alike) that finds the address inside
 * stored text (a JSON payload, a header list) but not inside a longer address: `ann@x.test` does
 * not match `joann@x.test` or `ann@x.test.example`.
 */
export const subjectPattern = (address: string): string =>
  `(^|[^a-z0-9._%+-])${address.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}($|[^a-z0-9.-]|\\.($|[^a-z0-9-]))`

/** The kinds of rows erasure works through, in order; each kind is finished before the next starts. */
export const ERASURE_STAGES = ["webhookDeliveries", "events", "emails", "inbound", "contacts"] as const
export type ErasureStage = (typeof ERASURE_STAGES)[number]

/** What erasing one subject removed so far, by kind, and the files deleted from disk. */
export type ErasureCounts = Readonly<Record<ErasureStage | "blobs", number>>

export const noErasure: ErasureCounts = {
  webhookDeliveries: 0,
  events: 0,
  emails: 0,
  inbound: 0,
  contacts: 0,
  blobs: 0
}

/** Where an erasure stands: the stage it is in and the last row id it looked at there. Saved after every batch. */
export interface ErasureProgress {
  readonly stage: ErasureStage | "done"
  readonly cursor: number
  readonly counts: ErasureCounts
}

export const erasureStart: ErasureProgress = { stage: "webhookDeliveries", cursor: 0, counts: noErasure }

/** The stage after `stage`, or `done`. */
export const nextStage = (stage: ErasureStage): ErasureStage | "done" =>
  ERASURE_STAGES[ERASURE_STAGES.indexOf(stage) + 1] ?? "done"

export type PrivacyJobKind = "export" | "erase"
export type PrivacyJobStatus = "pending" | "running" | "done"

/** No export or erasure of that id in the team (another team's jobs are absent too). */
export class PrivacyJobNotFound extends Schema.TaggedError<PrivacyJobNotFound>()("PrivacyJobNotFound", {}) {
  override get message() {
    return "Export or erasure not found"
  }
}
