/** A fixed-window request budget: `limit` requests per `windowMs`. */
export interface RateLimitPolicy {
  readonly limit: number
  readonly windowMs: number
}

/** What a store reports after counting one request in the current window. */
export interface WindowCount {
  readonly count: number
  readonly resetInMs: number
}

export interface RateLimitDecision {
  readonly allowed: boolean
  readonly limit: number
  readonly remaining: number
  /** Seconds until the window resets, rounded up so that a client waiting this long is let in. */
  readonly resetSeconds: number
}

export const decide = (policy: RateLimitPolicy, counted: WindowCount): RateLimitDecision => ({
  allowed: counted.count <= policy.limit,
  limit: policy.limit,
  remaining: Math.max(0, policy.limit - counted.count),
  resetSeconds: Math.max(1, Math.ceil(counted.resetInMs / 1000))
})

/** The window a timestamp falls in; every process computes the same one, so counts can be shared. */
export const windowStart = (policy: RateLimitPolicy, nowMs: number): number =>
  nowMs - (nowMs % policy.windowMs)
