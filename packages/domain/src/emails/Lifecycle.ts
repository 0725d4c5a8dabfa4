import { Schema } from "effect"
import { DeliveryStatus, type EmailStatus } from "./Delivery.js"
import { LIMITS } from "./SendRequest.js"

/** A delivery as the lifecycle rules see it; `scheduled` is a delivery whose send time is still ahead. */
export const DeliveryState = Schema.Union(DeliveryStatus, Schema.Literal("scheduled"))
export type DeliveryState = typeof DeliveryState.Type

/** How far an email has got: its status and each of its deliveries', read together. */
export interface EmailProgress {
  readonly status: EmailStatus
  readonly deliveries: ReadonlyArray<DeliveryState>
}

/** Deliveries no worker has taken: nothing of them has left, nor is leaving. */
const NOT_STARTED: ReadonlySet<DeliveryState> = new Set(["scheduled", "queued", "suppressed", "cancelled"])

/** Deliveries still waiting for their send time. */
const WAITING: ReadonlySet<DeliveryState> = new Set(["scheduled", "suppressed", "cancelled"])

/**
 * An email may be cancelled while no delivery of it has started and one is still waiting to go
 * (queued or scheduled). Once a worker has taken one copy, the email is under way as a whole.
 */
export const canCancel = (progress: EmailProgress): boolean =>
  progress.deliveries.every((d) => NOT_STARTED.has(d)) &&
  progress.deliveries.some((d) => d === "scheduled" || d === "queued")

/**
 * An email may be rescheduled while it is scheduled and every delivery of it still waits: a claim
 * may take only some of its copies, and once one is taken the send time has come for all.
 */
export const canReschedule = (progress: EmailProgress): boolean =>
  progress.status === "scheduled" &&
  progress.deliveries.every((d) => WAITING.has(d)) &&
  progress.deliveries.some((d) => d === "scheduled")

/** Whether `at` is further ahead of `now` than an email may wait. */
export const tooFarAhead = (at: Date, now: Date): boolean =>
  at.getTime() - now.getTime() > LIMITS.scheduleAheadMs

/** The send time to store for `at`: a time already past means now, as it does on a send. */
export const sendTimeFor = (at: Date, now: Date): Date => (at.getTime() < now.getTime() ? now : at)
