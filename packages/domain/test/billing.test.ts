import { describe, expect, it } from "vitest"
import {
  billingPeriodOf,
  billingStatusOf,
  fillDays,
  graceUntilAfterFailure,
  needsUsage,
  overageOf,
  Plan,
  PlanId,
  previousPeriodOf,
  quotaRefusal,
  quotaResetAt,
  quotaRoom,
  sendingSuspended,
  unlimitedPlan
} from "../src/index.js"

const plan = (fields: Partial<ConstructorParameters<typeof Plan>[0]>) =>
  Plan.make({ ...unlimitedPlan, id: PlanId.make("p"), ...fields })

describe("plans, quotas and billing periods", () => {
  it("refuses at the monthly limit first, then the daily one; overage lifts the monthly stop only", () => {
    const hard = plan({ monthlyLimit: 100, dailyLimit: 10 })
    expect(quotaRefusal(hard, { today: 9, month: 99 })).toBeNull()
    expect(quotaRefusal(hard, { today: 10, month: 99 })).toBe("daily")
    expect(quotaRefusal(hard, { today: 10, month: 100 })).toBe("monthly")
    const metered = plan({ monthlyLimit: 100, dailyLimit: 10, overageCentsPer1000: 90 })
    expect(quotaRefusal(metered, { today: 3, month: 5_000 })).toBeNull()
    expect(quotaRefusal(metered, { today: 10, month: 5_000 })).toBe("daily")
    expect(overageOf(metered, 5_000)).toBe(4_900)
    expect(overageOf(metered, 50)).toBe(0)
    expect(overageOf(hard, 5_000)).toBe(0)
    expect(needsUsage({ plan: unlimitedPlan, status: "none", graceUntil: null })).toBe(false)
    expect(needsUsage({ plan: hard, status: "none", graceUntil: null })).toBe(true)
  })

  it("counts the room a plan leaves (the smaller limit, never below zero) and when a reached limit resets", () => {
    expect(quotaRoom(unlimitedPlan, { today: 1_000, month: 1_000 })).toBeNull()
    const hard = plan({ monthlyLimit: 100, dailyLimit: 10 })
    expect(quotaRoom(hard, { today: 4, month: 50 })).toBe(6)
    expect(quotaRoom(hard, { today: 4, month: 97 })).toBe(3)
    expect(quotaRoom(hard, { today: 12, month: 50 })).toBe(0)
    expect(
      quotaRoom(plan({ monthlyLimit: 100, overageCentsPer1000: 90 }), { today: 0, month: 500 })
    ).toBeNull()
    const now = new Date("2026-12-31T22:15:00Z")
    expect(quotaResetAt("daily", now).toISOString()).toBe("2027-01-01T00:00:00.000Z")
    expect(quotaResetAt("monthly", new Date("2026-12-05T10:00:00Z")).toISOString()).toBe(
      "2027-01-01T00:00:00.000Z"
    )
  })

  it("keeps log retention within 14 to 90 days", () => {
    expect(() => plan({ retentionDays: 13 })).toThrow()
    expect(() => plan({ retentionDays: 91 })).toThrow()
    expect(plan({ retentionDays: 90 }).retentionDays).toBe(90)
  })

  it("suspends sending only once a failed payment's grace period is over, and never shortens a running one", () => {
    const now = new Date("2026-05-10T12:00:00Z")
    const grace = graceUntilAfterFailure(null, now)
    expect(grace.toISOString()).toBe("2026-05-17T12:00:00.000Z")
    expect(graceUntilAfterFailure(grace, new Date("2026-05-12T00:00:00Z"))).toBe(grace)
    const entitlement = { plan: unlimitedPlan, status: "past_due" as const, graceUntil: grace }
    expect(sendingSuspended(entitlement, new Date("2026-05-17T11:59:59Z"))).toBe(false)
    expect(sendingSuspended(entitlement, grace)).toBe(true)
    expect(sendingSuspended({ ...entitlement, status: "active" }, grace)).toBe(false)
    expect(billingStatusOf("unpaid")).toBe("past_due")
    expect(billingStatusOf("trialing")).toBe("active")
    expect(billingStatusOf("canceled")).toBe("canceled")
  })

  it("bills by UTC calendar month and fills days without use with zeros", () => {
    const at = new Date("2026-03-01T00:30:00Z")
    expect(billingPeriodOf(at).key).toBe("2026-03")
    expect(previousPeriodOf(at)).toMatchObject({ key: "2026-02", end: new Date("2026-03-01T00:00:00Z") })
    expect(previousPeriodOf(new Date("2026-01-15T00:00:00Z")).key).toBe("2025-12")
    const days = fillDays(new Date("2026-02-27T10:00:00Z"), at, [
      {
        day: "2026-02-28",
        accepted: 4,
        sent: 4,
        delivered: 3,
        bounced: 1,
        test: { accepted: 0, sent: 0, delivered: 0, bounced: 0 }
      }
    ])
    expect(days.map((d) => [d.day, d.accepted])).toEqual([
      ["2026-02-27", 0],
      ["2026-02-28", 4],
      ["2026-03-01", 0]
    ])
  })
})
