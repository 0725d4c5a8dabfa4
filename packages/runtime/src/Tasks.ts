import {
  AdvanceDkimRotations,
  PurgeAuditLog,
  PurgeClosedTeams,
  PurgeExpiredData,
  PurgeExpiredSignups,
  RunPrivacyJobs,
  ExpandBroadcasts,
  RunWorkflows,
  ConsumeWorkflowTriggers,
  PurgeRequestLog,
  ReportOverage,
  DeliverMailContinuously,
  RecalculateEngagement,
  type PeriodicTask,
  SimulateTestDeliveries,
  TidyStore,
  VerifyDueDomains
} from "@poststack/application"
import { AUDIT_RETENTION_DAYS, REQUEST_LOG_RETENTION_DAYS } from "@poststack/domain"
import { Config, type Duration, Effect } from "effect"
import { CachingDnsResolver } from "@poststack/adapters-external"
import { WebhookDispatcherConfig, webhookJobs } from "./WebhookJobs.js"

/** How many days API requests are kept (P14); the billing work will make it the plan's. */
export const RequestLogRetentionDays = Config.integer("POSTSTACK_REQUEST_LOG_RETENTION_DAYS").pipe(
  Config.withDefault(REQUEST_LOG_RETENTION_DAYS),
  Config.validate({
    message: "POSTSTACK_REQUEST_LOG_RETENTION_DAYS must be a whole number of days from 1 to 3650",
    validation: (days) => days >= 1 && days <= 3650
  })
)

const tasks = [
  { name: "domains.verify", every: "1 minute", run: Effect.asVoid(VerifyDueDomains(100)) },
  { name: "domains.dkim-rotations", every: "5 minutes", run: Effect.asVoid(AdvanceDkimRotations()) },
  // One task for every purge: each running task holds a reserved connection for its lock
  // (PgTaskLock), so every task more takes one more connection from the pool while it runs.
  {
    name: "logs.purge",
    every: "1 hour",
    run: Effect.gen(function* () {
      // P28: audit entries are deleted after 90 days.
      yield* PurgeAuditLog(AUDIT_RETENTION_DAYS)
      yield* PurgeRequestLog(yield* Effect.orDie(RequestLogRetentionDays))
      // P22-P24, P29: emails, events, inbound mail and its files, webhook deliveries, expired sessions.
      yield* PurgeExpiredData()
      // Signup submissions whose seven-day confirmation link expired unconfirmed.
      yield* PurgeExpiredSignups()
      // P25: teams closed two weeks ago, everything but their billing records.
      yield* PurgeClosedTeams()
    })
  },
  // Last month's overage, once per team and period (nothing to do without Stripe).
  { name: "billing.overage", every: "1 hour", run: Effect.asVoid(ReportOverage()) },
  // Hourly for the opens and clicks since the last rounds, a full re-read once a day (see
  // RecalculateEngagement). Its own task rather than a step of `logs.purge`: a slow round on a
  // large audience must not hold back the purges, and a failing one must not stop them.
  { name: "contacts.engagement", every: "1 hour", run: Effect.asVoid(RecalculateEngagement()) },
  // On a PostgreSQL server with autovacuum off, its work on our tables (see PgStoreUpkeep): the
  // queues' claims otherwise walk every dead row version they left (bench:workflows at 100,000
  // runs: PostgreSQL 3.10 ms a message unswept, 1.81 with autovacuum).
  { name: "store.upkeep", every: "30 seconds", run: Effect.asVoid(TidyStore()) }
] as const
type TaskRun = (typeof tasks)[number]["run"]

/** The periodic tasks every worker schedules; each runs once per interval across the cluster. */
export const periodicTasks: ReadonlyArray<
  PeriodicTask<Effect.Effect.Error<TaskRun>, Effect.Effect.Context<TaskRun>>
> = tasks

/**
 * How long a claimed delivery stays a worker's before another may take it: longer than any SMTP
 * exchange, short enough that a crashed worker's mail is not held up for long.
 */
const DeliveryLease = Config.integer("POSTSTACK_DELIVERY_LEASE_MS").pipe(
  Config.withDefault(300_000),
  Effect.orDie
)

/** How long a worker holds a broadcast it expands; a dead worker's broadcast is taken over after it. */
const BroadcastLease = Config.integer("POSTSTACK_BROADCAST_LEASE_MS").pipe(
  Config.withDefault(60_000),
  Config.validate({ message: "must be at least 1000", validation: (n) => n >= 1_000 }),
  Effect.orDie
)

/** Recipients a broadcast's expansion writes per transaction. */
const BroadcastBatch = Config.integer("POSTSTACK_BROADCAST_BATCH").pipe(
  Config.withDefault(1_000),
  Config.validate({ message: "must be from 1 to 10000", validation: (n) => n >= 1 && n <= 10_000 }),
  Effect.orDie
)
/**
 * The workflow runner's settings; the idle pause is how late a wait's end may be noticed at most.
 * Runs in flight at once: 64 rather than 16, because a run spends most of its time waiting on
 * round trips, and the more runs wait together the more each claim and group-committed record
 * carries (bench:workflows, 3,000 runs: PostgreSQL 2.96 -> 2.09 ms per run, 163 -> 257 runs/s).
 */
const WorkflowSettings = Config.all({
  concurrency: Config.integer("POSTSTACK_WORKFLOW_CONCURRENCY").pipe(Config.withDefault(64)),
  leaseMs: Config.integer("POSTSTACK_WORKFLOW_LEASE_MS").pipe(Config.withDefault(30_000)),
  idle: Config.integer("POSTSTACK_WORKFLOW_IDLE_MS").pipe(
    Config.withDefault(250),
    Config.map((ms): Duration.DurationInput => `${ms} millis`)
  )
}).pipe(Effect.orDie)

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
  },
  {
    name: "privacy.jobs",
    every: "1 second",
    // Data-subject exports and erasures; an erasure saves its progress after every batch, so the
    // lease only has to outlive one batch. Runs until the worker stops, like the webhook dispatcher.
    run: Effect.interruptible(RunPrivacyJobs({ leaseMs: 60_000, idle: "2 seconds" }))
  },
  {
    name: "broadcasts.expand",
    every: "1 second",
    // Broadcasts due now (sent, scheduled, a dead worker's, or at the end of an A/B window): each
    // batch of recipients commits with its cursor, so the lease only has to outlive one batch.
    run: Effect.flatMap(Effect.all([BroadcastBatch, BroadcastLease]), ([batch, leaseMs]) =>
      Effect.interruptible(ExpandBroadcasts({ leaseMs, idle: "500 millis", batch }))
    )
  },
  {
    name: "workflows.triggers",
    every: "250 millis",
    // Contact events of the outbox start the runs of the workflows listening for them.
    run: Effect.asVoid(Effect.repeat(ConsumeWorkflowTriggers(500), { while: (events) => events > 0 }))
  },
  {
    name: "workflows.advance",
    every: "1 second",
    // Runs that came due (a wait's end is a due time in their row), on the leased-queue runner.
    // A step's lease only has to outlive one step: each step is recorded as it ends.
    run: Effect.interruptible(
      Effect.flatMap(WorkflowSettings, (s) =>
        RunWorkflows({ concurrency: s.concurrency, leaseMs: s.leaseMs, idle: s.idle })
      )
    )
  }
] as const

const hookJobs = webhookJobs(Effect.orDie(WebhookDispatcherConfig))
type JobRun = (typeof mailJobs)[number]["run"] | (typeof hookJobs)[number]["run"]

/** Jobs every worker runs continuously, sharing their queues through `FOR UPDATE SKIP LOCKED`. */
export const jobs: ReadonlyArray<PeriodicTask<Effect.Effect.Error<JobRun>, Effect.Effect.Context<JobRun>>> = [
  ...mailJobs,
  ...hookJobs
]
