import { describe, expect, it } from "vitest"
import type { EmailStatus } from "../src/emails/Delivery.js"
import { EmailNotCancellable, EmailNotFound, ScheduleTooFarAhead } from "../src/emails/EmailErrors.js"
import {
  canCancel,
  canReschedule,
  type DeliveryState,
  sendTimeFor,
  tooFarAhead
} from "../src/emails/Lifecycle.js"

const progress = (status: EmailStatus, ...deliveries: ReadonlyArray<DeliveryState>) => ({
  status,
  deliveries
})

describe("cancelling an email", () => {
  it("is allowed while every delivery still waits and one is left to stop", () => {
    expect(canCancel(progress("scheduled", "scheduled", "scheduled"))).toBe(true)
    expect(canCancel(progress("queued", "queued"))).toBe(true)
    // A suppressed recipient never goes; the other one can still be stopped.
    expect(canCancel(progress("queued", "queued", "suppressed"))).toBe(true)
  })

  it("is refused once a worker has taken any copy, even if the others wait", () => {
    expect(canCancel(progress("sending", "sending", "queued"))).toBe(false)
    expect(canCancel(progress("deferred", "deferred", "scheduled"))).toBe(false)
    expect(canCancel(progress("delivered", "delivered", "queued"))).toBe(false)
    expect(canCancel(progress("bounced", "bounced"))).toBe(false)
  })

  it("is refused when nothing is left to stop: all suppressed, or already cancelled", () => {
    expect(canCancel(progress("suppressed", "suppressed"))).toBe(false)
    expect(canCancel(progress("cancelled", "cancelled", "suppressed"))).toBe(false)
    expect(canCancel(progress("cancelled"))).toBe(false)
  })
})

describe("rescheduling an email", () => {
  it("is allowed for a scheduled email none of whose copies was taken", () => {
    expect(canReschedule(progress("scheduled", "scheduled"))).toBe(true)
    expect(canReschedule(progress("scheduled", "scheduled", "suppressed"))).toBe(true)
  })

  it("is refused for an email that was never scheduled, or whose time has come for one copy", () => {
    expect(canReschedule(progress("queued", "queued"))).toBe(false)
    // A claim may take only some copies: the email as a whole cannot move then.
    expect(canReschedule(progress("scheduled", "scheduled", "sending"))).toBe(false)
    expect(canReschedule(progress("scheduled", "scheduled", "queued"))).toBe(false)
    expect(canReschedule(progress("cancelled", "cancelled"))).toBe(false)
    expect(canReschedule(progress("scheduled", "suppressed"))).toBe(false)
  })

  it("takes a time up to 30 days ahead, and a time already past as now", () => {
    const now = new Date("2026-12-05T10:00:00Z")
    const thirtyDays = 30 * 24 * 3_600_000
    expect(tooFarAhead(new Date(now.getTime() + thirtyDays), now)).toBe(false)
    expect(tooFarAhead(new Date(now.getTime() + thirtyDays + 1), now)).toBe(true)
    expect(sendTimeFor(new Date(now.getTime() - 5_000), now)).toEqual(now)
    const later = new Date(now.getTime() + 60_000)
    expect(sendTimeFor(later, now)).toEqual(later)
  })
})

describe("lifecycle failures", () => {
  it("are named facts carrying the contract's messages, with no HTTP status on them", () => {
    const notFound = new EmailNotFound({ publicId: "em_1" })
    expect(notFound._tag).toBe("EmailNotFound")
    expect(notFound.message).toBe("Email not found")
    expect(new EmailNotCancellable({ publicId: "em_1" }).message).toBe(
      "The email has already entered the sending pipeline"
    )
    expect(new ScheduleTooFarAhead({ scheduledAt: new Date(0) }).message).toBe(
      "scheduled_at must be within 30 days"
    )
    expect(Object.keys(notFound)).not.toContain("status")
  })
})
