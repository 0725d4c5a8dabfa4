import { engagementCutoffs, isEngagement, segmentAt } from "@poststack/domain"
import { describe, expect, it } from "vitest"

const DAY = 86_400_000
const now = new Date("2026-03-31T00:00:00Z")
const ago = (ms: number) => new Date(now.getTime() - ms)

describe("engagement segments", () => {
  const cutoffs = engagementCutoffs(now)

  it("is active up to 30 days after the last open or click, at risk up to 90, dormant after or never", () => {
    expect(segmentAt(null, cutoffs)).toBe("dormant")
    expect(segmentAt(now, cutoffs)).toBe("active")
    expect(segmentAt(ago(30 * DAY), cutoffs)).toBe("active")
    expect(segmentAt(ago(30 * DAY + 1), cutoffs)).toBe("at_risk")
    expect(segmentAt(ago(90 * DAY), cutoffs)).toBe("at_risk")
    expect(segmentAt(ago(90 * DAY + 1), cutoffs)).toBe("dormant")
  })

  it("counts clicks and opens a person made, not opens a privacy proxy fetched ahead", () => {
    expect(isEngagement({ type: "clicked", isPrefetch: false })).toBe(true)
    expect(isEngagement({ type: "opened", isPrefetch: false })).toBe(true)
    expect(isEngagement({ type: "opened", isPrefetch: true })).toBe(false)
    expect(isEngagement({ type: "delivered", isPrefetch: false })).toBe(false)
  })
})
