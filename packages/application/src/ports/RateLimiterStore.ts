import type { WindowCount } from "@poststack/domain"
import { Context, type Effect } from "effect"
import type { StoreUnavailable } from "./StoreUnavailable.js"

/**
 * Counts requests per subject in fixed windows. The in-memory store counts per process; the Redis
 * store shares counts between every process pointed at the same Redis.
 */
export class RateLimiterStore extends Context.Tag("@poststack/application/RateLimiterStore")<
  RateLimiterStore,
  {
    /** Adds one to the subject's count in the window starting at `windowStartMs`, returning the new count. */
    readonly hit: (
      subject: string,
      windowStartMs: number,
      windowMs: number
    ) => Effect.Effect<WindowCount, StoreUnavailable>
  }
>() {}
