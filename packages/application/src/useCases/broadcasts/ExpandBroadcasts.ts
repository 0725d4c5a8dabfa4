import {
  pickWinner,
  quotaResetAt,
  readsContact,
  renderTemplate,
  sendingSuspended,
  type TeamId
} from "@poststack/domain"
import { Clock, type Duration, Effect, Either } from "effect"
import { type BroadcastJob, BroadcastQueue, type RenderFor } from "../../ports/BroadcastQueue.js"
import { TemplateEngine } from "../../ports/TemplateEngine.js"
import { BroadcastRepository } from "../../ports/BroadcastRepository.js"
import { SubscriptionRepository } from "../../ports/SubscriptionRepository.js"
import { runLeasedQueue } from "../runLeasedQueue.js"
import { audienceFor } from "./broadcastAudience.js"

/** Recipients written per transaction: short enough that a cancel or a crash waits little. */
export const EXPANSION_BATCH = 1_000

/**
 * A renderer when the content reads the recipient's contact fields (`{{ contact.first_name }}`),
 * none otherwise. Content was parsed when it was written; a part that no longer renders is sent
 * as written rather than stopping the broadcast.
 */
const rendererFor = (job: BroadcastJob) =>
  Effect.map(TemplateEngine, (engine): RenderFor | undefined => {
    const b = job.broadcast
    const contents = new Map<
      number | null,
      { subject: string; htmlBody: string | null; textBody: string | null }
    >([
      [null, { subject: b.subject, htmlBody: b.html, textBody: b.text }],
      ...job.variants.map((v) => [v.id, { subject: v.subject, htmlBody: v.html, textBody: v.text }] as const)
    ])
    if (![...contents.values()].some((c) => readsContact(engine.language, c))) return undefined
    return (variantId, contact) => {
      const content = contents.get(variantId) ?? contents.get(null)
      const source = content ?? { subject: b.subject, htmlBody: b.html, textBody: b.text }
      const rendered = renderTemplate(engine.language, { ...source, variables: [] }, {}, contact)
      return Either.isRight(rendered)
        ? { subject: rendered.right.subject, html: rendered.right.html, text: rendered.right.text }
        : { subject: source.subject, html: source.htmlBody, text: source.textBody }
    }
  })

/**
 * How often a broadcast held for its team's suspension is looked at again: paying lifts the
 * suspension, and the broadcast goes on within this long.
 */
export const SUSPENDED_RECHECK_MS = 5 * 60_000

/**
 * Whether the team may not send now (suspended after a failed payment). Test-mode broadcasts send
 * nothing real and are never held, as `send` does not hold them to the plan either.
 */
const suspended = (job: BroadcastJob) =>
  Effect.gen(function* () {
    if (job.broadcast.testMode) return false
    const entitlement = yield* (yield* SubscriptionRepository).entitlementOf(job.broadcast.teamId as TeamId)
    return sendingSuspended(entitlement, new Date(yield* Clock.currentTimeMillis))
  })

/** Stops the broadcast where it is, its waiting mail held, until a later claim finds the team may send. */
const holdForSuspension = (job: BroadcastJob) =>
  Effect.gen(function* () {
    const recheckAt = new Date((yield* Clock.currentTimeMillis) + SUSPENDED_RECHECK_MS)
    yield* Effect.logWarning("broadcast held: the team's sending is suspended").pipe(
      Effect.annotateLogs({ broadcast: job.broadcast.publicId, recheckAt: recheckAt.toISOString() })
    )
    yield* (yield* BroadcastQueue).hold(job, recheckAt)
  })

/** The end of the A/B window: the test sample started with the send. */
const windowEnd = (job: BroadcastJob) =>
  new Date((job.broadcast.sentAt?.getTime() ?? 0) + (job.broadcast.abTest?.durationMinutes ?? 120) * 60_000)

/** The winner by the test's metric over the sample's counters so far. */
const decide = (job: BroadcastJob) =>
  Effect.gen(function* () {
    const repository = yield* BroadcastRepository
    const counters = yield* repository.variantCounters(job.broadcast.id)
    const winner = pickWinner(
      job.variants.map((v) => {
        const c = counters.find((x) => x.variantId === v.id)
        return { id: v.id, delivered: c?.delivered ?? 0, opened: c?.opened ?? 0, clicked: c?.clicked ?? 0 }
      }),
      job.broadcast.abTest?.metric ?? "open_rate"
    )
    yield* repository.decideWinner(job.broadcast.id, winner)
    yield* Effect.logInfo("broadcast A/B winner").pipe(
      Effect.annotateLogs({ broadcast: job.broadcast.publicId, variant: winner })
    )
  })

/**
 * Takes one claimed broadcast as far as it can go now: starts it, writes its recipients batch by
 * batch (each batch and the cursor in one transaction), and at the end of an A/B sample leaves it
 * due at the window's end; a claim at that time decides the winner and sends it to the rest. A
 * batch never takes more than the team's plan has room for: when a limit is reached the broadcast
 * stays `sending` and is due again when that limit resets (the next UTC day or month). A team
 * suspended for a failed payment gets its broadcast held (see `BroadcastQueue.hold`), looked at
 * again every `SUSPENDED_RECHECK_MS`.
 */
export const expandBroadcast = (claimed: BroadcastJob, batch: number = EXPANSION_BATCH) =>
  Effect.gen(function* () {
    const queue = yield* BroadcastQueue
    let job = claimed
    const audience = yield* audienceFor(job.broadcast)
    const render = yield* rendererFor(job)
    const { plan } = yield* (yield* SubscriptionRepository).entitlementOf(job.broadcast.teamId as TeamId)
    // A suspended team's broadcast neither starts nor goes on; once the team may send again, the
    // mail a hold kept back goes first.
    if (yield* suspended(job)) return yield* holdForSuspension(job)
    yield* queue.unhold(job)
    if (job.broadcast.status === "queued" && job.broadcast.phase === "idle") {
      job = yield* queue.start(job, audience)
    }
    for (;;) {
      const b = job.broadcast
      if (b.status !== "sending") return yield* queue.park(job, null)
      if (b.phase === "sample" || b.phase === "rest") {
        // Checked before every batch (the entitlement is cached briefly): a suspension stops the
        // expansion mid-way, and nothing further is queued.
        if (yield* suspended(job)) return yield* holdForSuspension(job)
        const step = yield* queue.step(job, audience, { limit: batch, render, plan })
        if (step._tag === "Stopped") return
        if (step._tag === "OutOfQuota") {
          const resumeAt = quotaResetAt(step.refusal, new Date(yield* Clock.currentTimeMillis))
          yield* Effect.logWarning("broadcast paused: the plan's limit is reached").pipe(
            Effect.annotateLogs({
              broadcast: b.publicId,
              limit: step.refusal,
              resumeAt: resumeAt.toISOString()
            })
          )
          return yield* queue.park(job, resumeAt)
        }
        if (step._tag === "PhaseDone") {
          const next = yield* queue.reload(job)
          if (next === null) return
          job = next
        }
        continue
      }
      if (b.phase === "waiting") {
        const now = yield* Clock.currentTimeMillis
        const due = windowEnd(job)
        if (now < due.getTime()) return yield* queue.park(job, due)
        yield* decide(job)
        const next = yield* queue.reload(job)
        if (next === null || next.broadcast.phase === "waiting") return yield* queue.park(job, null)
        job = next
        continue
      }
      return yield* queue.park(job, null)
    }
  })

/** The worker's `broadcasts.expand` job: broadcasts on the leased-queue runner, two at a time. */
export const ExpandBroadcasts = (options: {
  readonly leaseMs: number
  readonly idle: Duration.DurationInput
  readonly batch?: number
}) =>
  Effect.flatMap(BroadcastQueue, (queue) =>
    runLeasedQueue(queue, (job) => expandBroadcast(job, options.batch), {
      name: "broadcasts.expand",
      concurrency: 2,
      leaseMs: options.leaseMs,
      idle: options.idle
    })
  )
