import { Effect, FiberRef } from "effect"

/** Where a request came from: the client's address and its user agent. */
export interface Origin {
  readonly address: string | null
  readonly userAgent: string | null
}

/**
 * The origin of the request being served. The HTTP door sets it on the request's fiber once the
 * caller is known; outside a request (the CLI, the worker) it is `null`, and audit entries record
 * no address or agent. A fiber reference rather than a service: the router rebuilds the handler's
 * services from what it had before the authentication middleware ran, while fiber references
 * set by the middleware carry through to the handler.
 */
export const RequestOrigin = FiberRef.unsafeMake<Origin | null>(null)

/** Runs `effect` as part of a request from `origin`. */
export const withRequestOrigin =
  (origin: Origin) =>
  <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
    Effect.locally(effect, RequestOrigin, origin)
