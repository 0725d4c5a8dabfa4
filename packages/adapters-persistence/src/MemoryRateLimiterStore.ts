import { RateLimiterStore } from "@poststack/application"
import { Effect, Layer } from "effect"

/**
 * Counts per process: right for one process, too generous when several share a key. Each
 * subject's window is kept until it ends, whatever the window sizes of other subjects.
 */
export const make = Effect.sync(() => {
  const windows = new Map<string, { endsAt: number; count: number }>()
  let nextSweep = 0
  return RateLimiterStore.of({
    hit: (subject, windowStartMs, windowMs) =>
      Effect.sync(() => {
        const now = Date.now()
        if (now >= nextSweep) {
          for (const [key, w] of windows) if (w.endsAt <= now) windows.delete(key)
          nextSweep = now + 1000
        }
        const key = `${subject}|${windowStartMs}`
        const current = windows.get(key)
        const next = { endsAt: windowStartMs + windowMs, count: (current?.count ?? 0) + 1 }
        windows.set(key, next)
        return { count: next.count, resetInMs: Math.max(0, next.endsAt - now) }
      })
  })
})

export const layer = Layer.effect(RateLimiterStore, make)
