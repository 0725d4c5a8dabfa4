import { PasswordHasher } from "@poststack/application"
import argon2 from "argon2"
import { Config, Effect, Layer, Redacted } from "effect"

/** Argon2id cost. OWASP's floor is 19 MiB, two passes, one lane. */
export interface Argon2Options {
  /** KiB. */
  readonly memoryCost: number
  readonly timeCost: number
  /**
   * Hashes computed at once (default 1). Each takes a core for its whole run; more at once would
   * take the cores the API needs for sending, so further sign-ins wait their turn instead.
   */
  readonly concurrency?: number
}

export const OWASP_MINIMUM: Argon2Options = { memoryCost: 19_456, timeCost: 2 }

/** What parameters a PHC string (`$argon2id$v=19$m=…,t=…,p=…$…`) was made with. */
const parametersOf = (hash: string): { type: string; m: number; t: number; p: number } | undefined => {
  const match = /^\$(argon2(?:id|i|d))\$v=\d+\$m=(\d+),t=(\d+),p=(\d+)\$/.exec(hash)
  return match === null
    ? undefined
    : { type: match[1] ?? "", m: Number(match[2]), t: Number(match[3]), p: Number(match[4]) }
}

/**
 * Argon2id through the `argon2` package, whose native work runs on libuv's thread pool, so a
 * sign-in never blocks the event loop; hashes take turns (`concurrency`), so a burst of sign-ins
 * cannot take every core from the API either (bench/sign-in.ts measures both). A stored hash of another
 * variant or cheaper cost is reported `outdated`, so the use case re-hashes it at the next
 * successful sign-in. Unknown accounts are checked against a hash made at start-up with the same
 * parameters, so they take as long as known ones.
 */
export const make = (options: Argon2Options) =>
  Effect.gen(function* () {
    const hashOptions = {
      type: argon2.argon2id,
      memoryCost: options.memoryCost,
      timeCost: options.timeCost,
      parallelism: 1
    }
    const turns = yield* Effect.makeSemaphore(options.concurrency ?? 1)
    const hash = (password: string) =>
      turns.withPermits(1)(Effect.promise(() => argon2.hash(password, hashOptions)))
    const decoy = yield* hash("poststack decoy password")
    const verify = (stored: string, password: string) =>
      turns.withPermits(1)(Effect.promise(() => argon2.verify(stored, password).catch(() => false)))
    return PasswordHasher.of({
      hash: (password) => hash(Redacted.value(password)),
      verify: (stored, password) =>
        Effect.gen(function* () {
          const params = stored === null ? undefined : parametersOf(stored)
          if (stored === null || params === undefined) {
            yield* verify(decoy, Redacted.value(password))
            return { matches: false, outdated: false }
          }
          const matches = yield* verify(stored, Redacted.value(password))
          const outdated =
            params.type !== "argon2id" ||
            params.m < options.memoryCost ||
            params.t < options.timeCost ||
            params.p !== 1
          return { matches, outdated }
        })
    })
  })

export const layer = (options: Argon2Options) => Layer.effect(PasswordHasher, make(options))

/**
 * `POSTSTACK_ARGON2_MEMORY_KIB` and `POSTSTACK_ARGON2_TIME_COST` may raise the cost above OWASP's
 * floor, never lower it.
 */
export const layerConfig = Layer.unwrapEffect(
  Effect.map(
    Config.all({
      memoryCost: Config.integer("POSTSTACK_ARGON2_MEMORY_KIB").pipe(
        Config.withDefault(OWASP_MINIMUM.memoryCost),
        Config.validate({
          message: `POSTSTACK_ARGON2_MEMORY_KIB must be at least ${OWASP_MINIMUM.memoryCost}`,
          validation: (m) => m >= OWASP_MINIMUM.memoryCost
        })
      ),
      concurrency: Config.integer("POSTSTACK_ARGON2_CONCURRENCY").pipe(
        Config.withDefault(1),
        Config.validate({
          message: "POSTSTACK_ARGON2_CONCURRENCY must be at least 1",
          validation: (n) => n >= 1
        })
      ),
      timeCost: Config.integer("POSTSTACK_ARGON2_TIME_COST").pipe(
        Config.withDefault(OWASP_MINIMUM.timeCost),
        Config.validate({
          message: `POSTSTACK_ARGON2_TIME_COST must be at least ${OWASP_MINIMUM.timeCost}`,
          validation: (t) => t >= OWASP_MINIMUM.timeCost
        })
      )
    }),
    layer
  )
)
