import { describe, expect, it } from "@effect/vitest"
import {
  canCancelBroadcast,
  canSendBroadcast,
  canUpdateBroadcast,
  checkAbTest,
  pickWinner,
  sampleSize,
  variantAt,
  variantBounds
} from "../src/index.js"

describe("broadcast status rules", () => {
  it("only drafts are edited and sent; queued and sending ones are cancelled", () => {
    expect(
      ["draft", "queued", "sending", "sent", "cancelled"].filter((s) => canUpdateBroadcast(s as never))
    ).toEqual(["draft"])
    expect(
      ["draft", "queued", "sending", "sent", "cancelled"].filter((s) => canSendBroadcast(s as never))
    ).toEqual(["draft"])
    expect(
      ["draft", "queued", "sending", "sent", "cancelled"].filter((s) => canCancelBroadcast(s as never, false))
    ).toEqual(["queued", "sending"])
    // A sent broadcast whose mail still waits in the delivery queue can be stopped too.
    expect(
      ["draft", "queued", "sending", "sent", "cancelled"].filter((s) => canCancelBroadcast(s as never, true))
    ).toEqual(["queued", "sending", "sent"])
  })
})

describe("A/B rules", () => {
  const ok = { weights: [50, 50], samplePercent: 20, durationMinutes: 120 }
  it("accepts 2-5 variants summing to 100, a 5-50 % sample and a 30-1440 min window", () => {
    expect(checkAbTest(ok)).toBeUndefined()
    expect(
      checkAbTest({ ...ok, weights: [20, 20, 20, 20, 20], samplePercent: 5, durationMinutes: 1440 })
    ).toBeUndefined()
  })
  it("names the rule a test breaks", () => {
    expect(checkAbTest({ ...ok, weights: [100] })?.message).toMatch(/between 2 and 5/)
    expect(checkAbTest({ ...ok, weights: [10, 10, 10, 10, 10, 50] })?.message).toMatch(/between 2 and 5/)
    expect(checkAbTest({ ...ok, weights: [50, 40] })?.message).toMatch(/sum to 100 \(got 90\)/)
    expect(checkAbTest({ ...ok, weights: [0, 100] })?.message).toMatch(/1 to 100/)
    expect(checkAbTest({ ...ok, samplePercent: 4 })?.message).toMatch(/test_sample_size/)
    expect(checkAbTest({ ...ok, samplePercent: 51 })?.message).toMatch(/test_sample_size/)
    expect(checkAbTest({ ...ok, durationMinutes: 29 })?.message).toMatch(/test_duration_minutes/)
    expect(checkAbTest({ ...ok, durationMinutes: 1441 })?.message).toMatch(/test_duration_minutes/)
  })
  it("splits a sample by weight, every position to exactly one variant", () => {
    const bounds = variantBounds([70, 30], 10)
    expect(bounds).toEqual([7, 10])
    const tally = (b: ReadonlyArray<number>, size: number) => {
      const counts = b.map(() => 0)
      for (let k = 0; k < size; k++) {
        const i = variantAt(b, k)
        counts[i] = (counts[i] ?? 0) + 1
      }
      return counts
    }
    expect(tally(bounds, 10)).toEqual([7, 3])
    const three = variantBounds([33, 33, 34], 7)
    const c3 = tally(three, 7)
    expect(c3.reduce((a, b) => a + b)).toBe(7)
    expect(c3.every((n) => n >= 2)).toBe(true)
  })
  it("takes the sample as a share of the audience, at least one per variant", () => {
    expect(sampleSize(1000, 20, 2)).toBe(200)
    expect(sampleSize(3, 5, 2)).toBe(2)
    expect(sampleSize(1, 50, 2)).toBe(1)
  })
  it("picks the variant with the best rate of the chosen metric", () => {
    const results = [
      { id: 1, delivered: 100, opened: 30, clicked: 1 },
      { id: 2, delivered: 50, opened: 20, clicked: 5 }
    ]
    expect(pickWinner(results, "open_rate")).toBe(2)
    expect(pickWinner(results, "click_rate")).toBe(2)
    expect(
      pickWinner(
        [
          { id: 1, delivered: 10, opened: 5, clicked: 0 },
          { id: 2, delivered: 10, opened: 1, clicked: 0 }
        ],
        "open_rate"
      )
    ).toBe(1)
    expect(
      pickWinner(
        [
          { id: 1, delivered: 0, opened: 0, clicked: 0 },
          { id: 2, delivered: 0, opened: 0, clicked: 0 }
        ],
        "click_rate"
      )
    ).toBe(1)
  })
})
