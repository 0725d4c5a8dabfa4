import { type ChildProcess, fork, spawnSync } from "node:child_process"
import { PasswordHasher } from "@poststack/application"
import { RateLimitExceeded } from "@poststack/domain"
import argon2 from "argon2"
import { Clock, Config, Duration, Effect, Layer, Redacted } from "effect"

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
  /**
   * The CPU priority (`nice`, 0 to 19) of the process that hashes (default 10). Hashes run in a
   * process of their own at this priority: when the cores are busy, sending gets them first and a
   * sign-in waits a little longer, instead of a burst of sign-ins taking a core from the API.
   */
  readonly nice?: number
  /**
   * The Linux scheduling class of the hashing process (default `"idle"`). `"idle"` starts it under
   * `SCHED_IDLE` (`chrt --idle 0`), which every thread it creates inherits: its hashes run only on a
   * core nothing else wants, and a task of the server or PostgreSQL waking up takes the core at
   * once and is placed on it as on an idle one. On a machine that other work keeps busy an
   * idle-class hash may get no core for seconds: a hash not answered within `patienceMs` is also
   * given to a second hashing process in the normal class at `nice`, the first answer counts, and
   * hashes go to that one for the next `starvedMs`. Where `chrt` is missing or refused, hashing
   * runs in the normal class at `nice` (logged once). `"normal"`: `nice` only.
   */
  readonly scheduler?: "idle" | "normal"
  /** How long an idle-class hash may go unanswered before the normal-class process is asked too (ms, default 1,000). */
  readonly patienceMs?: number
  /** How long hashes skip the idle-class process after it kept one waiting (ms, default 30,000). */
  readonly starvedMs?: number
  /**
   * Hashes that may wait for a turn beyond those running (default 32). Past that a sign-in is
   * refused at once (`RateLimitExceeded`, with a wait estimated from the queue) rather than queued
   * for ever longer: sign-ins arriving faster than hashes complete would otherwise wait without end.
   */
  readonly maxWaiting?: number
}

export const OWASP_MINIMUM: Argon2Options = { memoryCost: 19_456, timeCost: 2 }

/** What parameters a PHC string (`$argon2id$v=19$m=…,t=…,p=…$…`) was made with. */
const parametersOf = (hash: string): { type: string; m: number; t: number; p: number } | undefined => {
  const match = /^\$(argon2(?:id|i|d))\$v=\d+\$m=(\d+),t=(\d+),p=(\d+)\$/.exec(hash)
  return match === null
    ? undefined
    : { type: match[1] ?? "", m: Number(match[2]), t: Number(match[3]), p: Number(match[4]) }
}

type Request =
  | { readonly op: "hash"; readonly password: string; readonly options: argon2.Options }
  | { readonly op: "verify"; readonly stored: string; readonly password: string }

/**
 * The hashing process (`argon2Process.cjs`), started on first use and again if it ever exits: each
 * request is answered by id; requests in flight when it exits fail.
 */
type Answer = { readonly result?: unknown; readonly error?: string }

interface Running {
  readonly process: ChildProcess
  /** Requests sent to this process and not answered yet, by id. */
  readonly waiting: Map<number, (answer: Answer) => void>
}

/** Whether `chrt --idle 0` can start a program here (util-linux present, the policy allowed). */
const idleClassAvailable = (): boolean => {
  const tried = spawnSync("chrt", ["--idle", "0", process.execPath, "--version"], { stdio: "ignore" })
  return tried.error === undefined && tried.status === 0
}

/** How the hashing process is started: plain `node`, or `chrt --idle 0 node`. */
const launcher = (idle: boolean) =>
  idle
    ? // fork runs `execPath ...execArgv script`: here `chrt --idle 0 node argon2Process.cjs`, and chrt
      // execs node in place (same pid, same IPC channel) once the policy is set.
      { execPath: "chrt", execArgv: ["--idle", "0", process.execPath] }
    : // No TypeScript loader or other flags of the server: the script is plain JavaScript.
      { execPath: process.execPath, execArgv: [] }

const hashingProcess = (nice: number, idle: boolean) => {
  let current: Running | undefined
  let nextId = 0
  const start = (): Running => {
    const started: Running = {
      process: fork(new URL("./argon2Process.cjs", import.meta.url), [], {
        ...launcher(idle),
        env: { ...process.env, POSTSTACK_ARGON2_PROCESS_NICE: String(nice) },
        stdio: ["ignore", "inherit", "inherit", "ipc"]
      }),
      waiting: new Map()
    }
    const { process: child, waiting } = started
    child.on("message", (answer: Answer & { readonly id: number }) => {
      waiting.get(answer.id)?.(answer)
      waiting.delete(answer.id)
      if (waiting.size === 0) child.channel?.unref()
    })
    const gone = () => {
      if (current === started) current = undefined
      for (const [id, resume] of waiting) {
        waiting.delete(id)
        resume({ error: "the hashing process exited" })
      }
    }
    child.on("exit", gone)
    // A write to a process that just died (EPIPE), or one that could not start.
    child.on("error", gone)
    // Idle, it is no reason for the server to stay up (it is stopped with the layer); while a
    // request waits, its channel keeps this process running until the answer comes.
    child.unref()
    child.channel?.unref()
    return started
  }
  const once = (request: Request) =>
    Effect.async<unknown, Error>((resume) => {
      if (current === undefined || !current.process.connected) current = start()
      const id = nextId++
      current.waiting.set(id, (answer) =>
        resume(
          answer.error === undefined ? Effect.succeed(answer.result) : Effect.fail(new Error(answer.error))
        )
      )
      current.process.channel?.ref()
      current.process.send({ id, ...request })
    })
  // A request the process died under is asked once more of a new one.
  const ask = (request: Request) => once(request).pipe(Effect.retry({ times: 1 }), Effect.orDie)
  const stop = Effect.sync(() => {
    current?.process.kill()
    current = undefined
  })
  return { ask, stop }
}

/**
 * Argon2id through the `argon2` package, in a process of its own at a lower CPU priority
 * (`nice`): a sign-in never blocks the event loop, and when the machine is busy the server's
 * sending comes first (on a small machine a hash at full priority took a whole core from the API
 * and tripled the p99 of `POST /emails`; bench/sign-in.ts measures it). Hashes also take turns
 * (`concurrency`). A stored hash of another variant or cheaper cost is reported `outdated`, so the
 * use case re-hashes it at the next successful sign-in. Unknown accounts are checked against a
 * hash made at start-up with the same parameters, so they take as long as known ones.
 */
export const make = (options: Argon2Options) =>
  Effect.gen(function* () {
    const hashOptions = {
      type: argon2.argon2id,
      memoryCost: options.memoryCost,
      timeCost: options.timeCost,
      parallelism: 1
    }
    const nice = options.nice ?? 10
    const scheduler = options.scheduler ?? "idle"
    const idle = scheduler === "idle" && idleClassAvailable()
    if (scheduler === "idle" && !idle)
      yield* Effect.logWarning(
        `password hashing runs at nice ${nice}, not in the idle scheduling class: \`chrt --idle 0\` is missing or refused here`
      )
    // Each process starts on first use: the normal-class one, beside an idle-class one, only once
    // an idle-class hash has kept a sign-in waiting.
    const normal = yield* Effect.acquireRelease(
      Effect.sync(() => hashingProcess(nice, false)),
      (w) => w.stop
    )
    const idleClass = idle
      ? yield* Effect.acquireRelease(
          Effect.sync(() => hashingProcess(nice, true)),
          (w) => w.stop
        )
      : undefined
    const patience = Duration.millis(options.patienceMs ?? 1_000)
    const starvedMs = options.starvedMs ?? 30_000
    let starvedUntil = 0
    const ask = (request: Request): Effect.Effect<unknown> =>
      Effect.flatMap(Clock.currentTimeMillis, (now) => {
        if (idleClass === undefined || now < starvedUntil) return normal.ask(request)
        const starved = Effect.gen(function* () {
          starvedUntil = (yield* Clock.currentTimeMillis) + starvedMs
          yield* Effect.logWarning(
            `a password hash waited ${Duration.format(patience)} for an idle core: hashing at nice ${nice} for the next ${starvedMs / 1000} s`
          )
          return yield* normal.ask(request)
        })
        return Effect.race(idleClass.ask(request), Effect.zipRight(Effect.sleep(patience), starved))
      })
    const concurrency = options.concurrency ?? 1
    const turns = yield* Effect.makeSemaphore(concurrency)
    const admitted = concurrency + (options.maxWaiting ?? 32)
    let inLine = 0
    // How long a hash takes here (moving average, ms), for the wait a refusal suggests.
    let hashMs = 100
    const inTurn = <A>(run: Effect.Effect<A>): Effect.Effect<A, RateLimitExceeded> =>
      Effect.suspend(() => {
        if (inLine >= admitted)
          return Effect.fail(
            new RateLimitExceeded({
              message: "Too many sign-ins at once: try again in a moment",
              retryAfterSeconds: Math.max(1, Math.ceil((inLine * hashMs) / concurrency / 1000))
            })
          )
        inLine++
        return turns
          .withPermits(1)(
            Effect.suspend(() => {
              const started = performance.now()
              return Effect.tap(run, () => {
                hashMs = 0.8 * hashMs + 0.2 * (performance.now() - started)
              })
            })
          )
          .pipe(Effect.ensuring(Effect.sync(() => inLine--)))
      })
    const hash = (password: string) =>
      inTurn(Effect.map(ask({ op: "hash", password, options: hashOptions }), (stored) => String(stored)))
    const decoy = yield* Effect.orDie(hash("poststack decoy password"))
    const verify = (stored: string, password: string) =>
      inTurn(Effect.map(ask({ op: "verify", stored, password }), (ok) => ok === true))
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

export const layer = (options: Argon2Options) => Layer.scoped(PasswordHasher, make(options))

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
      nice: Config.integer("POSTSTACK_ARGON2_NICE").pipe(
        Config.withDefault(10),
        Config.validate({
          message: "POSTSTACK_ARGON2_NICE must be between 0 and 19",
          validation: (n) => n >= 0 && n <= 19
        })
      ),
      scheduler: Config.literal(
        "idle",
        "normal"
      )("POSTSTACK_ARGON2_SCHEDULER").pipe(Config.withDefault("idle" as const)),
      maxWaiting: Config.integer("POSTSTACK_ARGON2_MAX_WAITING").pipe(
        Config.withDefault(32),
        Config.validate({
          message: "POSTSTACK_ARGON2_MAX_WAITING must be at least 0",
          validation: (n) => n >= 0
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
