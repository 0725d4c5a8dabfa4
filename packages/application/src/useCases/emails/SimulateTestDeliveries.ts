import { type ClaimedDelivery, simulatedOutcome } from "@poststack/domain"
import { Clock, Effect } from "effect"
import { type DeliveryResult, DeliveryQueue } from "../../ports/DeliveryQueue.js"
import { LogDeliveryOutcome } from "./LogDeliveryOutcome.js"

const SIMULATED_MX = "simulator.poststack.dev"

/** The outcome a test-mode delivery simulates, from its recipient (see `SIMULATOR_DOMAIN`). */
export const simulate = (delivery: ClaimedDelivery, now: Date): DeliveryResult => {
  const outcome = simulatedOutcome(delivery.recipient)
  const meta = { recipient: delivery.recipient, simulated: true }
  const sent = { type: "sent" as const, metadata: { ...meta, mx: SIMULATED_MX } }
  switch (outcome) {
    case "bounced":
      return {
        status: "bounced",
        reply: "550 5.1.1 simulated: mailbox does not exist",
        mx: SIMULATED_MX,
        nextAttemptAt: null,
        events: [
          sent,
          {
            type: "bounced",
            metadata: { ...meta, reply: "550 5.1.1 simulated: mailbox does not exist", hard: true }
          }
        ],
        suppress: null
      }
    case "deferred":
      // Deferred once, then delivered on the next attempt, as a greylisting receiver would.
      if (delivery.attempts <= 1) {
        return {
          status: "deferred",
          reply: "451 4.7.1 simulated: try again later",
          mx: SIMULATED_MX,
          nextAttemptAt: new Date(now.getTime() + 1000),
          events: [
            { type: "deferred", metadata: { ...meta, reply: "451 4.7.1 simulated: try again later" } }
          ],
          suppress: null
        }
      }
      return delivered(delivery, sent, meta)
    case "complained": {
      const done = delivered(delivery, sent, meta)
      return {
        ...done,
        events: [...done.events, { type: "complained", metadata: { ...meta, feedback_type: "abuse" } }]
      }
    }
    case "delivered":
      return delivered(delivery, sent, meta)
  }
}

const delivered = (
  _delivery: ClaimedDelivery,
  sent: DeliveryResult["events"][number],
  meta: { readonly recipient: string; readonly simulated: boolean }
): DeliveryResult => ({
  status: "delivered",
  reply: "250 2.0.0 simulated: accepted",
  mx: SIMULATED_MX,
  nextAttemptAt: null,
  events: [sent, { type: "delivered", metadata: { ...meta, reply: "250 2.0.0 simulated: accepted" } }],
  suppress: null
})

/**
 * One round of test mode: test keys' mail runs the same pipeline up to the MTA, then takes a
 * simulated outcome instead of being handed over. Returns how many deliveries were settled.
 */
export const SimulateTestDeliveries = Effect.fn("SimulateTestDeliveries")(function* (limit: number) {
  const queue = yield* DeliveryQueue
  const now = new Date(yield* Clock.currentTimeMillis)
  const claimed = yield* queue.claim({ now, limit, leaseMs: 60_000, testMode: true })
  for (const delivery of claimed) {
    const result = simulate(delivery, now)
    yield* LogDeliveryOutcome(delivery, result, 0)
    yield* queue.record(delivery, result)
  }
  return claimed.length
})
