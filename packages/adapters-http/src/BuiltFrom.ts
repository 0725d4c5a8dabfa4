import { Context, Effect, Layer } from "effect"

// biome-ignore lint/suspicious/noExplicitAny: any tag may be picked.
type AnyTag = Context.Tag<any, any>

/**
 * `layer` built (in the same memo map, so what it shares with the rest is shared) from only the
 * services `tags` name, instead of every service of the server. The types hold `tags` to cover
 * what the layer needs.
 *
 * Why: the HTTP platform copies a context each time it adds to it. Every request's fiber starts
 * from the context the serving layer was built in (the platform adds the request, the router the
 * route, the middleware the caller's key), and each group of handlers merges the context it was
 * built in into the request's: with the server's hundred services in each, that was a map of about
 * a hundred entries copied five times a request.
 */
export const builtFrom = <ROut, E, const Tags extends ReadonlyArray<AnyTag>>(
  layer: Layer.Layer<ROut, E, Context.Tag.Identifier<Tags[number]>>,
  ...tags: Tags
): Layer.Layer<ROut, E, Context.Tag.Identifier<Tags[number]>> =>
  Layer.scopedContext(
    Effect.gen(function* () {
      const context = Context.pick(...tags)(yield* Effect.context<Context.Tag.Identifier<Tags[number]>>())
      const memoMap = yield* Layer.CurrentMemoMap
      const scope = yield* Effect.scope
      // The context is replaced, not merged into: that is the point.
      return yield* Effect.mapInputContext(
        Layer.buildWithMemoMap(layer, memoMap, scope),
        (_: Context.Context<never>) => context
      )
    })
  )
