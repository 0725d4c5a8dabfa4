import {
  AdvanceDkimRotations,
  DeliverDueMail,
  SimulateTestDeliveries,
  VerifyDueDomains
} from "@poststack/application"
import { Config, Effect } from "effect"

/** The periodic tasks every worker schedules; each runs once per interval across the cluster. */
export const periodicTasks = [
  { name: "domains.verify", every: "1 minute", run: Effect.asVoid(VerifyDueDomains(100)) },
  { name: "domains.dkim-rotations", every: "5 minutes", run: Effect.asVoid(AdvanceDkimRotations()) }
] as const

/**
 * How long a claimed delivery stays a worker's before another may take it: longer than any SMTP
 * exchange, short enough that a crashed worker's mail is not held up for long.
 */
const DeliveryLease = Config.integer("POSTSTACK_DELIVERY_LEASE_MS").pipe(
  Config.withDefault(300_000),
  Effect.orDie
)

/** Jobs every worker runs continuously, sharing their queues through `FOR UPDATE SKIP LOCKED`. */
export const jobs = [
  {
    name: "deliveries.live",
    every: "250 millis",
    // While there is work, the next round starts at once; the spacing applies only to an idle queue.
    run: Effect.flatMap(DeliveryLease, (leaseMs) =>
      Effect.asVoid(
        Effect.repeat(DeliverDueMail({ limit: 50, concurrency: 10, leaseMs }), {
          while: (claimed) => claimed > 0
        })
      )
    )
  },
  {
    name: "deliveries.test-mode",
    every: "250 millis",
    run: Effect.asVoid(Effect.repeat(SimulateTestDeliveries(100), { while: (settled) => settled > 0 }))
  }
] as const
