import { RateLimiterStore } from "@poststack/application"
import { Config, Effect, Layer, Option, type Redacted } from "effect"
import * as MemoryRateLimiterStore from "./MemoryRateLimiterStore.js"
import * as RedisRateLimiterStore from "./RedisRateLimiterStore.js"

/**
 * Redis, and while Redis cannot be reached, this process's own counts: limits stay enforced
 * (per process) through a cache outage, and mail keeps flowing.
 */
export const layerRedisWithFallback = (url: Redacted.Redacted<string>, keyPrefix?: string) =>
  Layer.scoped(
    RateLimiterStore,
    Effect.gen(function* () {
      const redis = yield* RedisRateLimiterStore.make(url, keyPrefix)
      const memory = yield* MemoryRateLimiterStore.make
      return RateLimiterStore.of({
        hit: (subject, start, windowMs) =>
          redis
            .hit(subject, start, windowMs)
            .pipe(
              Effect.catchTag("StoreUnavailable", () =>
                Effect.logWarning("Redis unavailable: counting this request in process").pipe(
                  Effect.zipRight(memory.hit(subject, start, windowMs))
                )
              )
            )
      })
    })
  )

/** Redis when `REDIS_URL` is set (shared across processes), else an in-process store. */
export const layerConfig = Layer.unwrapEffect(
  Effect.gen(function* () {
    const url = yield* Config.option(Config.redacted("REDIS_URL"))
    const prefix = yield* Config.string("POSTSTACK_REDIS_PREFIX").pipe(Config.withDefault("poststack:"))
    if (Option.isSome(url)) return layerRedisWithFallback(url.value, prefix)
    yield* Effect.logInfo("no REDIS_URL: rate limits are counted per process")
    return MemoryRateLimiterStore.layer
  })
)
