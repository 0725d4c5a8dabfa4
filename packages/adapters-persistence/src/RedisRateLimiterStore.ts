import { RateLimiterStore, StoreUnavailable } from "@poststack/application"
import { Effect, Layer, Redacted } from "effect"
import { Redis } from "ioredis"

// One round trip: count, and set the expiry only when the window's key is new.
const HIT = `
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return {n, redis.call('PTTL', KEYS[1])}`

/** Counts shared by every process on the same Redis, so a key's budget holds across the cluster. */
export const make = (url: Redacted.Redacted<string>, keyPrefix = "poststack:") =>
  Effect.gen(function* () {
    const redis = yield* Effect.acquireRelease(
      Effect.sync(
        () =>
          new Redis(Redacted.value(url), {
            lazyConnect: false,
            maxRetriesPerRequest: 1,
            enableOfflineQueue: true,
            connectTimeout: 2_000
          })
      ),
      (client) => Effect.promise(() => client.quit().catch(() => undefined))
    )
    redis.on("error", () => {
      // Reported per command below; ioredis reconnects on its own.
    })
    return RateLimiterStore.of({
      hit: (subject, windowStartMs, windowMs) =>
        Effect.tryPromise({
          try: () =>
            redis.eval(HIT, 1, `${keyPrefix}rl:${subject}:${windowStartMs}`, String(windowMs)) as Promise<
              [number, number]
            >,
          catch: () => new StoreUnavailable({ message: "Redis is unavailable" })
        }).pipe(
          Effect.timeoutFail({
            duration: "1 second",
            onTimeout: () => new StoreUnavailable({ message: "Redis did not answer" })
          }),
          Effect.map(([count, ttl]) => ({ count, resetInMs: ttl > 0 ? ttl : windowMs }))
        )
    })
  })

/** `keyPrefix` separates deployments (or test runs) that share one Redis. */
export const layer = (url: Redacted.Redacted<string>, keyPrefix?: string) =>
  Layer.scoped(RateLimiterStore, make(url, keyPrefix))
