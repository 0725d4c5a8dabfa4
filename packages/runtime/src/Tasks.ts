import {
  AdvanceDkimRotations,
  DeliverMailContinuously,
  type PeriodicTask,
  SimulateTestDeliveries,
  VerifyDueDomains
} from "@poststack/application"
import { Config, Effect } from "effect"
import { CachingDnsResolver } from "@poststack/adapters-external"
import { WebhookDispatcherConfig, webhookJobs } from "./WebhookJobs.js"

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

const mailJobs = [
  {
    name: "deliveries.live",
    every: "250 millis",
    // Runs until the worker stops; then finishes what it claimed (see DeliverMailContinuously).
    drainsItself: true,
    // Routes come from a DNS cache of the job's own: a burst of mail to one domain asks DNS once.
    run: Effect.flatMap(DeliveryLease, (leaseMs) =>
      DeliverMailContinuously({ inFlight: 50, batch: 25, leaseMs, idle: "250 millis" })
    ).pipe(Effect.provide(CachingDnsResolver.layer()))
  },
  {
    name: "deliveries.test-mode",
    every: "250 millis",
    run: Effect.asVoid(Effect.repeat(SimulateTestDeliveries(100), { while: (settled) => settled > 0 }))
  }
] as const

const hookJobs = webhookJobs(Effect.orDie(WebhookDispatcherConfig))
type JobRun = (typeof mailJobs)[number]["run"] | (typeof hookJobs)[number]["run"]

/** Jobs every worker runs continuously, sharing their queues through `FOR UPDATE SKIP LOCKED`. */
export const jobs: ReadonlyArray<PeriodicTask<Effect.Effect.Error<JobRun>, Effect.Effect.Context<JobRun>>> = [
  ...mailJobs,
  ...hookJobs
]
