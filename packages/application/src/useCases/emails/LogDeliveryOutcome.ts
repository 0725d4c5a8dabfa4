import type { ClaimedDelivery } from "@poststack/domain"
import { Effect } from "effect"
import type { DeliveryResult } from "../../ports/DeliveryQueue.js"

/**
 * One line per attempt's outcome, for the operator following mail through the log: which email,
 * what became of it, which MX host answered, how long it took. Never the recipient's address.
 */
export const LogDeliveryOutcome = (delivery: ClaimedDelivery, result: DeliveryResult, durationMs: number) =>
  Effect.logInfo("delivery outcome").pipe(
    Effect.annotateLogs({
      email: delivery.emailPublicId ?? delivery.emailId,
      delivery: delivery.id,
      status: result.status,
      mx: result.mx ?? "none",
      durationMs
    })
  )
