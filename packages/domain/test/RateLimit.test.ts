import { describe, expect, it } from "vitest"
import { decide, windowStart } from "../src/RateLimit.js"

describe("fixed-window rate limits", () => {
  const policy = { limit: 3, windowMs: 1000 }
  it("allows up to the limit and counts down what remains", () => {
    expect(decide(policy, { count: 1, resetInMs: 900 })).toEqual({
      allowed: true,
      limit: 3,
      remaining: 2,
      resetSeconds: 1
    })
    expect(decide(policy, { count: 3, resetInMs: 10 })).toMatchObject({ allowed: true, remaining: 0 })
    expect(decide(policy, { count: 4, resetInMs: 10 })).toMatchObject({
      allowed: false,
      remaining: 0,
      resetSeconds: 1
    })
  })
  it("rounds the reset up to whole seconds", () => {
    expect(decide({ limit: 1, windowMs: 60_000 }, { count: 2, resetInMs: 59_001 }).resetSeconds).toBe(60)
  })
  it("puts every process in the same window for the same instant", () => {
    expect(windowStart(policy, 12_345)).toBe(12_000)
    expect(windowStart(policy, 12_999)).toBe(12_000)
    expect(windowStart(policy, 13_000)).toBe(13_000)
  })
})
