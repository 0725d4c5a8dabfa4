import { type EndpointSlotPolicy, nextEndpointSlots, type WebhookAttemptOutcome } from "@poststack/domain"
import { describe, expect, it } from "vitest"

const policy: EndpointSlotPolicy = { initial: 4, max: 16, slowMs: 1_000 }
const answered = (status: number, durationMs = 20): WebhookAttemptOutcome => ({
  _tag: "Responded",
  status,
  body: "",
  durationMs
})
const timedOut: WebhookAttemptOutcome = { _tag: "Failed", reason: "timed out", durationMs: 10_000 }

/** Slots after a run of outcomes, from the policy's start. */
const slotsAfter = (outcomes: ReadonlyArray<WebhookAttemptOutcome>) =>
  outcomes.reduce((slots, outcome) => nextEndpointSlots(slots, outcome, policy), policy.initial)

describe("an endpoint's slots", () => {
  it("grow by one per quick answer, up to the most allowed", () => {
    expect(slotsAfter([answered(200)])).toBe(5)
    expect(slotsAfter(Array.from({ length: 12 }, () => answered(204)))).toBe(16)
    expect(slotsAfter(Array.from({ length: 100 }, () => answered(200)))).toBe(16)
  })

  it("a quick 4xx or 500 is the receiver's verdict on the event, not load: the slots stay", () => {
    expect(slotsAfter([answered(400), answered(404), answered(500)])).toBe(4)
    expect(slotsAfter([answered(200), answered(422)])).toBe(5)
  })

  it("halve after a timeout, a refused connection, a 429 or an overloaded gateway or server, never below one", () => {
    expect(slotsAfter([timedOut])).toBe(2)
    expect(slotsAfter([answered(503)])).toBe(2)
    expect(slotsAfter([answered(502)])).toBe(2)
    expect(slotsAfter([answered(504)])).toBe(2)
    expect(slotsAfter([answered(429)])).toBe(2)
    expect(slotsAfter([timedOut, timedOut, timedOut, timedOut])).toBe(1)
  })

  it("a slow success earns nothing and gives one back", () => {
    expect(slotsAfter([answered(200, 1_500)])).toBe(3)
    expect(
      slotsAfter([answered(200, 1_500), answered(200, 1_500), answered(200, 1_500), answered(200, 1_500)])
    ).toBe(1)
  })

  it("a dead endpoint held at one comes back as it answers again", () => {
    const dead = slotsAfter(Array.from({ length: 10 }, () => timedOut))
    expect(dead).toBe(1)
    expect(
      [answered(200), answered(200), answered(200)].reduce((s, o) => nextEndpointSlots(s, o, policy), dead)
    ).toBe(4)
  })
})
