import { readdirSync, readFileSync } from "node:fs"
import { getPriority } from "node:os"
import { Argon2PasswordHasher } from "@poststack/adapters-external"
import { Duration, Effect, Exit, Redacted, Scope } from "effect"
import { afterEach, describe, expect, it } from "vitest"

/**
 * This process's children running the hashing script, with the nice value and the scheduling
 * policy (0 normal, 5 `SCHED_IDLE`) of each of their threads.
 */
const hashingProcesses = () =>
  readdirSync("/proc")
    .filter((entry) => /^\d+$/.test(entry))
    .flatMap((pid) => {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, "utf8")
        const parent = Number(stat.split(") ")[1]?.split(" ")[1])
        const command = readFileSync(`/proc/${pid}/cmdline`, "utf8")
        if (parent !== process.pid || !command.includes("argon2Process")) return []
        const fields = readdirSync(`/proc/${pid}/task`).map(
          (tid) => readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? []
        )
        // Fields 19 and 41 of a thread's stat: its nice value and its scheduling policy.
        return [
          {
            pid: Number(pid),
            nice: fields.map((f) => Number(f[16])),
            policy: fields.map((f) => Number(f[38]))
          }
        ]
      } catch {
        return []
      }
    })

const scopes: Array<Scope.CloseableScope> = []
const made = async (options: Argon2PasswordHasher.Argon2Options) => {
  const scope = await Effect.runPromise(Scope.make())
  scopes.push(scope)
  return Effect.runPromise(Scope.extend(Argon2PasswordHasher.make(options), scope))
}
afterEach(async () => {
  for (const scope of scopes.splice(0)) await Effect.runPromise(Scope.close(scope, Exit.void))
})

describe("Argon2PasswordHasher", () => {
  it("with the idle scheduler, hashes in a process of its own whose every thread runs in the idle scheduling class, stopped with its scope", async () => {
    // Patient enough that a busy machine does not bring the normal-class process in.
    const hasher = await made({
      memoryCost: 1024,
      timeCost: 1,
      nice: 12,
      scheduler: "idle",
      patienceMs: 60_000
    })
    const stored = await Effect.runPromise(hasher.hash(Redacted.make("a passphrase long enough")))
    expect(stored).toMatch(/^\$argon2id\$v=19\$m=1024,t=1,p=1\$/)
    const running = hashingProcesses()
    expect(running).toHaveLength(1)
    // The main thread, V8's and libuv's (which ran the hashes) all at 12, or at the suite's own
    // nice value when that is higher (`nice -n 19 pnpm test`): only root may raise a priority.
    const expected = process.getuid?.() === 0 ? 12 : Math.max(12, getPriority())
    expect(running[0]?.nice.length).toBeGreaterThan(4)
    expect(new Set(running[0]?.nice)).toEqual(new Set([expected]))
    // SCHED_IDLE (5), set by chrt before node started, so inherited by every thread.
    expect(new Set(running[0]?.policy)).toEqual(new Set([5]))
    expect(
      (await Effect.runPromise(hasher.verify(stored, Redacted.make("a passphrase long enough")))).matches
    ).toBe(true)

    await Effect.runPromise(Scope.close(scopes.pop() as Scope.CloseableScope, Exit.void))
    const deadline = Date.now() + 5_000
    while (hashingProcesses().length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
    expect(hashingProcesses()).toEqual([])
  })

  it("with the normal scheduler, every thread of the hashing process runs in the normal class at the configured nice", async () => {
    const hasher = await made({ memoryCost: 1024, timeCost: 1, nice: 12, scheduler: "normal" })
    await Effect.runPromise(hasher.hash(Redacted.make("a passphrase long enough")))
    const running = hashingProcesses()
    expect(running).toHaveLength(1)
    expect(running[0]?.nice.length).toBeGreaterThan(4)
    const expected = process.getuid?.() === 0 ? 12 : Math.max(12, getPriority())
    expect(new Set(running[0]?.nice)).toEqual(new Set([expected]))
    expect(new Set(running[0]?.policy)).toEqual(new Set([0]))
  })

  it("by default hashes in the idle class; a hash the idle process leaves waiting is answered by a normal-class one, which takes the next hashes", async () => {
    const logged: Array<string> = []
    const { Logger } = await import("effect")
    const logger = Logger.make(({ message }) => {
      logged.push(String(message))
    })
    const withLog = <A, E>(effect: Effect.Effect<A, E>) =>
      Effect.runPromise(effect.pipe(Effect.provide(Logger.replace(Logger.defaultLogger, logger))))
    const scope = await Effect.runPromise(Scope.make())
    scopes.push(scope)
    const hasher = await withLog(
      Scope.extend(
        Argon2PasswordHasher.make({
          memoryCost: 1024,
          timeCost: 1,
          nice: 12,
          patienceMs: 300,
          starvedMs: 1_500
        }),
        scope
      )
    )
    const password = Redacted.make("a passphrase long enough")
    const stored = await withLog(hasher.hash(password))
    // The start-up hash went to the idle-class process (and, on a busy machine, to a normal one
    // too): once any such spell is over, hashes go to the idle-class one first again.
    const idle = hashingProcesses().find((p) => p.policy.every((policy) => policy === 5))
    expect(idle?.policy.length).toBeGreaterThan(4)
    await new Promise((r) => setTimeout(r, 1_600))
    const warnings = () => logged.filter((m) => m.includes("waited") && m.includes("idle core")).length
    const before = warnings()
    // A machine so busy the idle class gets no core, as far as the hasher can tell.
    process.kill(idle?.pid ?? 0, "SIGSTOP")
    try {
      const started = performance.now()
      expect((await withLog(hasher.verify(stored, password))).matches).toBe(true)
      expect(performance.now() - started).toBeGreaterThanOrEqual(290)
      expect(warnings()).toBe(before + 1)
      const normal = hashingProcesses().find((p) => p.pid !== idle?.pid)
      expect(new Set(normal?.policy)).toEqual(new Set([0]))
      expect(new Set(normal?.nice)).toEqual(
        new Set([process.getuid?.() === 0 ? 12 : Math.max(12, getPriority())])
      )
      // The next hash goes to the normal-class process straight away: the idle one, still
      // stopped, is not asked (it would keep it waiting and warn again).
      expect((await withLog(hasher.verify(stored, password))).matches).toBe(true)
      expect(warnings()).toBe(before + 1)
    } finally {
      process.kill(idle?.pid ?? 0, "SIGCONT")
    }
  })

  it("falls back to the normal class at the configured nice where chrt is missing, and says so once", async () => {
    const path = process.env.PATH
    process.env.PATH = "/nonexistent"
    const logged: Array<string> = []
    const { Logger } = await import("effect")
    const logger = Logger.make(({ message }) => {
      logged.push(String(message))
    })
    const scope = await Effect.runPromise(Scope.make())
    scopes.push(scope)
    try {
      const hasher = await Effect.runPromise(
        Scope.extend(
          Argon2PasswordHasher.make({ memoryCost: 1024, timeCost: 1, nice: 13, scheduler: "idle" }),
          scope
        ).pipe(Effect.provide(Logger.replace(Logger.defaultLogger, logger)))
      )
      await Effect.runPromise(hasher.hash(Redacted.make("a passphrase long enough")))
    } finally {
      process.env.PATH = path
    }
    const running = hashingProcesses()
    expect(running).toHaveLength(1)
    expect(new Set(running[0]?.nice)).toEqual(
      new Set([process.getuid?.() === 0 ? 13 : Math.max(13, getPriority())])
    )
    expect(new Set(running[0]?.policy)).toEqual(new Set([0]))
    expect(logged.filter((m) => m.includes("idle scheduling class"))).toHaveLength(1)
  })

  it("starts a new hashing process when the last one died", async () => {
    const hasher = await made({ memoryCost: 1024, timeCost: 1, scheduler: "normal" })
    const password = Redacted.make("a passphrase long enough")
    const stored = await Effect.runPromise(hasher.hash(password))
    const [first] = hashingProcesses()
    process.kill(first?.pid ?? 0, "SIGKILL")
    const deadline = Date.now() + 5_000
    while (hashingProcesses().length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
    expect((await Effect.runPromise(hasher.verify(stored, password))).matches).toBe(true)
    const [second] = hashingProcesses()
    expect(second?.pid).not.toBe(first?.pid)
  })

  it("hashes off the event loop: the event loop keeps ticking through concurrent sign-ins at production cost", async () => {
    const hasher = await made(Argon2PasswordHasher.OWASP_MINIMUM)
    const password = Redacted.make("a passphrase long enough")
    const stored = await Effect.runPromise(hasher.hash(password))
    expect(stored).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/)

    let started = performance.now()
    await Effect.runPromise(hasher.verify(stored, password))
    const oneHash = performance.now() - started

    // A 2 ms ticker while eight checks run: a hash on the event loop would stop it for a whole hash.
    let ticks = 0
    let last = performance.now()
    const gaps: Array<number> = []
    const ticker = setInterval(() => {
      const now = performance.now()
      gaps.push(now - last)
      last = now
      ticks++
    }, 2)
    started = performance.now()
    const checks = await Effect.runPromise(
      Effect.all(
        Array.from({ length: 8 }, (_, i) => hasher.verify(i % 2 === 0 ? stored : null, password)),
        { concurrency: "unbounded" }
      )
    )
    const elapsed = performance.now() - started
    clearInterval(ticker)
    expect(checks.map((c) => c.matches)).toEqual([true, false, true, false, true, false, true, false])
    const medianGap = [...gaps].sort((a, b) => a - b)[Math.floor(gaps.length / 2)] ?? Number.POSITIVE_INFINITY
    const detail = JSON.stringify({ oneHash, elapsed, ticks, medianGap, longestGap: Math.max(...gaps) })
    expect(elapsed, detail).toBeGreaterThan(oneHash)
    // On a busy machine the process is sometimes descheduled, so single gaps say little; the median
    // gap of a blocked loop would be a whole hash.
    expect(medianGap, detail).toBeLessThan(oneHash / 2)
    // Blocked, the ticker could run at most once between two hashes: eight times in all.
    expect(ticks, detail).toBeGreaterThan(3 * 8)
  })

  it("refuses a check at once, with a wait to retry after, when more are waiting than it takes on", async () => {
    const hasher = await made({ ...Argon2PasswordHasher.OWASP_MINIMUM, maxWaiting: 2 })
    const password = Redacted.make("a passphrase long enough")
    const stored = await Effect.runPromise(hasher.hash(password))
    const outcomes = await Effect.runPromise(
      Effect.all(
        Array.from({ length: 8 }, () => Effect.timed(Effect.either(hasher.verify(stored, password)))),
        { concurrency: "unbounded" }
      )
    )
    // One running and two waiting are taken on; the other five are refused without waiting.
    const answered = outcomes.flatMap(([ms, o]) =>
      o._tag === "Right" ? [{ ms: Duration.toMillis(ms), check: o.right }] : []
    )
    const refused = outcomes.flatMap(([ms, o]) =>
      o._tag === "Left" ? [{ ms: Duration.toMillis(ms), error: o.left }] : []
    )
    expect(answered.map((a) => a.check.matches)).toEqual([true, true, true])
    expect(refused).toHaveLength(5)
    for (const r of refused) {
      expect(r.error._tag).toBe("RateLimitExceeded")
      expect(r.error.retryAfterSeconds).toBeGreaterThanOrEqual(1)
      expect(r.ms).toBeLessThan(Math.min(...answered.map((a) => a.ms)))
    }
    // Once the queue drains, checks are taken on again.
    expect((await Effect.runPromise(hasher.verify(stored, password))).matches).toBe(true)
  })

  it("refuses to be configured below OWASP's floor", async () => {
    const { ConfigProvider, Layer } = await import("effect")
    const exit = await Effect.runPromiseExit(
      Layer.launch(Argon2PasswordHasher.layerConfig).pipe(
        Effect.withConfigProvider(ConfigProvider.fromMap(new Map([["POSTSTACK_ARGON2_MEMORY_KIB", "4096"]]))),
        Effect.timeout(100)
      )
    )
    expect(JSON.stringify(exit)).toContain("POSTSTACK_ARGON2_MEMORY_KIB must be at least 19456")
  })
})
