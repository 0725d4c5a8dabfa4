import { Schema } from "effect"

/** Why an address is on a team's suppression list: the first two are recorded by the pipeline itself. */
export const SuppressionReason = Schema.Literal("hard_bounce", "complaint", "unsubscribe", "manual")
export type SuppressionReason = typeof SuppressionReason.Type

/** One entry on a team's suppression list; entries stay until someone removes them. */
export interface Suppression {
  readonly id: number
  readonly email: string
  readonly reason: SuppressionReason
  readonly createdAt: Date
}

/** The entry that stops a send to an address, as the send path records it. */
export interface SuppressionMatch {
  readonly id: number
  readonly reason: SuppressionReason
}
