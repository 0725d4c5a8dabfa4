import { Context, Effect, Equal, FiberRef } from "effect"

/**
 * Whether `current` already holds every service of `context`, each the same value (or an equal
 * one, for values such as an `Option`): then there is nothing to add.
 */
const holdsAll = (current: Context.Context<never>, context: Context.Context<never>): boolean => {
  for (const [key, service] of context.unsafeMap) {
    const held: unknown = current.unsafeMap.get(key)
    if (held !== service && (held === undefined || !Equal.equals(held, service))) return false
  }
  return true
}

/**
 * Each request is served by a fiber of its own that ends with the response. What a middleware
 * gives the rest of the request (services, settings) is added to that fiber in place: scoping it
 * around the app with `Effect.provide` costs a few dozen runtime steps per request, for a scope
 * that would close when the fiber does anyway. A fiber whose context holds those services already
 * (the server's own context usually does) keeps its context as it is: a merged copy would be a new
 * map of every service of the server, which the runtime then compares entry by entry with the old
 * one before storing it.
 */
export const provideInPlace = <A, E, R, Provided>(
  context: Context.Context<Provided>,
  effect: Effect.Effect<A, E, R>
): Effect.Effect<A, E, Exclude<R, Provided>> =>
  // The cast states what the update does: from here on the fiber's context holds `Provided`.
  Effect.flatMap(FiberRef.get(FiberRef.currentContext), (current) =>
    holdsAll(current, context as Context.Context<never>)
      ? effect
      : Effect.zipRight(FiberRef.set(FiberRef.currentContext, Context.merge(current, context)), effect)
  ) as Effect.Effect<A, E, Exclude<R, Provided>>
