import { RateLimiterStore } from "@poststack/application"
import { Effect, Layer } from "effect"

/** Counts per process: right for one process, too generous when several share a key. */
export const make = Effect.sync(() => {
  const windows = new Map<string, { start: number; count: number }>()
  let sweepAt = 0
  return RateLimiterStore.of({
    hit: (subject, windowStartMs, windowMs) =>
      Effect.sync(() => {
        if (windowStartMs >= sweepAt) {
          // Forget windows that have ended, so idle subjects do not accumulate.
          for (const [key, w] of windows) if (w.start < windowStartMs) windows.delete(key)
          sweepAt = windowStartMs + windowMs
        }
        const current = windows.get(subject)
        const next =
          current !== undefined && current.start === windowStartMs
            ? { start: windowStartMs, count: current.count + 1 }
            : { start: windowStartMs, count: 1 }
        windows.set(subject, next)
        return { count: next.count, resetInMs: windowStartMs + windowMs - Date.now() }
      })
  })
})

export const layer = Layer.effect(RateLimiterStore, make)
