import { Context, Effect, FiberRef } from "effect"

/**
 * Each request is served by a fiber of its own that ends with the response. What a middleware
 * gives the rest of the request (services, settings) is added to that fiber in place: scoping it
 * around the app with `Effect.provide` costs a few dozen runtime steps per request, for a scope
 * that would close when the fiber does anyway.
 */
export const provideInPlace = <A, E, R, Provided>(
  context: Context.Context<Provided>,
  effect: Effect.Effect<A, E, R>
): Effect.Effect<A, E, Exclude<R, Provided>> =>
  // The cast states what the update does: from here on the fiber's context holds `Provided`.
  Effect.zipRight(
    FiberRef.update(FiberRef.currentContext, (current) => Context.merge(current, context)),
    effect
  ) as Effect.Effect<A, E, Exclude<R, Provided>>
