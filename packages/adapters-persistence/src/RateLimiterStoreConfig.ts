import { Config, Effect, Layer, Option } from "effect"
import * as MemoryRateLimiterStore from "./MemoryRateLimiterStore.js"
import * as RedisRateLimiterStore from "./RedisRateLimiterStore.js"

/** Redis when `REDIS_URL` is set (shared across processes), else an in-process store. */
export const layerConfig = Layer.unwrapEffect(
  Effect.gen(function* () {
    const url = yield* Config.option(Config.redacted("REDIS_URL"))
    const prefix = yield* Config.string("POSTSTACK_REDIS_PREFIX").pipe(Config.withDefault("poststack:"))
    if (Option.isSome(url)) return RedisRateLimiterStore.layer(url.value, prefix)
    yield* Effect.logInfo("no REDIS_URL: rate limits are counted per process")
    return MemoryRateLimiterStore.layer
  })
)
