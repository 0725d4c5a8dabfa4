import { type ClaimedDelivery, DEFAULT_RETRY_POLICY, type RetryPolicy } from "@poststack/domain"
import { Clock, type Duration, Effect, Option, Ref } from "effect"
import { DeliveryQueue } from "../../ports/DeliveryQueue.js"
import { type EmailForDelivery, EmailRepository } from "../../ports/EmailRepository.js"
import { runLeasedQueue } from "../runLeasedQueue.js"
import { DeliverMessage } from "./DeliverMessage.js"

/** A claimed delivery with its email, loaded with the rest of its claim (`None`: deleted since). */
interface DeliveryJob {
  readonly claim: ClaimedDelivery
  readonly email: Option.Option<EmailForDelivery>
}

/**
 * Live delivery on the leased-queue runner: keeps up to `inFlight` deliveries going, claiming more
 * (any number of workers share the queue) as soon as there is room for half a batch, so one slow
 * receiver delays only its own messages and each claim (and each read of its emails) serves many
 * deliveries. Runs until interrupted; then it claims nothing more, and every delivery already
 * claimed finishes and is recorded before it returns.
 */
export const DeliverMailContinuously = Effect.fn("DeliverMailContinuously")(function* (options: {
  readonly inFlight: number
  readonly batch: number
  readonly leaseMs: number
  readonly idle: Duration.DurationInput
  readonly policy?: RetryPolicy
}) {
  const queue = yield* DeliveryQueue
  const emails = yield* EmailRepository
  const policy = options.policy ?? DEFAULT_RETRY_POLICY
  const unrecorded = yield* Ref.make(0)
  // One claim's emails are read in one query; the copies of one email share its load.
  const claim = ({ limit, leaseMs }: { readonly limit: number; readonly leaseMs: number }) =>
    Effect.gen(function* () {
      // While outcomes wait for the database, nothing new is taken on.
      if ((yield* Ref.get(unrecorded)) > 0) return []
      const now = new Date(yield* Clock.currentTimeMillis)
      const claimed = yield* queue.claim({ now, limit, leaseMs, testMode: false })
      if (claimed.length === 0) return []
      const loaded = yield* emails
        .loadForDelivery([...new Set(claimed.map((d) => d.emailId))])
        .pipe(Effect.tapError(() => Effect.logError("loading mail failed; its lease brings it back")))
      return claimed.map(
        (d): DeliveryJob => ({ claim: d, email: Option.fromNullable(loaded.get(d.emailId)) })
      )
    })
  return yield* runLeasedQueue(
    {
      claim,
      extend: (jobs: ReadonlyArray<DeliveryJob>, leaseMs: number) =>
        Effect.flatMap(Clock.currentTimeMillis, (now) =>
          queue.extend({ claims: jobs.map((j) => j.claim), now: new Date(now), leaseMs })
        )
    },
    (job) => DeliverMessage(job.claim, job.email, { leaseMs: options.leaseMs, policy, unrecorded }),
    {
      name: "deliveries",
      concurrency: options.inFlight,
      batch: options.batch,
      minClaim: Math.ceil(options.batch / 2),
      leaseMs: options.leaseMs,
      idle: options.idle
    }
  )
})
