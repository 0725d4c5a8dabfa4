import { PURGE_ROWS_PER_SECOND, RETENTION_BATCH, restAfter } from "@poststack/application"
import { describe, expect, it } from "vitest"

// The purge paces itself so that sending beside it keeps its latency (bench:retention).
describe("retention: the pace of a purge pass", () => {
  it("rests long enough after a fast batch to keep below its rows per second, and above the 50,000 asked", () => {
    for (const took of [1, 3, 6, 10]) {
      const perSecond = RETENTION_BATCH / ((took + restAfter(took, RETENTION_BATCH)) / 1000)
      expect(perSecond).toBeLessThanOrEqual(PURGE_ROWS_PER_SECOND + 1)
      expect(perSecond).toBeGreaterThanOrEqual(50_000)
    }
  })

  it("rests at least as long as a slow batch took, so a busy database gives it at most half", () => {
    expect(restAfter(40, RETENTION_BATCH)).toBe(40)
    expect(restAfter(200, 10)).toBe(200)
  })

  it("never rests more than a second, and barely after a batch that found nothing", () => {
    expect(restAfter(5_000, RETENTION_BATCH)).toBe(1_000)
    expect(restAfter(2, 0)).toBe(2)
  })
})
