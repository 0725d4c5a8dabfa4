import { Effect, Option } from "effect"

type Method = (...args: ReadonlyArray<never>) => Effect.Effect<unknown, unknown>

/**
 * Wraps a repository so that the named lookups answer from memory for `ttlMs` after a hit in the
 * database (only found rows are kept), and any other method (every write) empties the cache. A
 * write in another process is seen after at most `ttlMs`.
 */
export const withReadCache = <S extends object>(
  service: S,
  options: {
    readonly lookups: ReadonlyArray<keyof S & string>
    readonly ttlMs: number
    readonly keyOf: (args: ReadonlyArray<unknown>) => string
  }
): S => {
  if (options.ttlMs <= 0) return service
  const entries = new Map<string, { readonly until: number; readonly value: unknown }>()
  const wrapped: Record<string, unknown> = {}
  for (const [name, method] of Object.entries(service) as Array<[string, unknown]>) {
    if (typeof method !== "function") {
      wrapped[name] = method
      continue
    }
    const call = method as Method
    wrapped[name] = (options.lookups as ReadonlyArray<string>).includes(name)
      ? (...args: ReadonlyArray<never>) =>
          Effect.suspend(() => {
            const key = `${name}:${options.keyOf(args)}`
            const hit = entries.get(key)
            if (hit !== undefined && hit.until > Date.now()) return Effect.succeed(hit.value)
            return Effect.tap(call(...args), (value) => {
              if (Option.isOption(value) && Option.isSome(value))
                entries.set(key, { until: Date.now() + options.ttlMs, value })
            })
          })
      : (...args: ReadonlyArray<never>) =>
          Effect.ensuring(
            call(...args),
            Effect.sync(() => entries.clear())
          )
  }
  return wrapped as S
}
