import { readdirSync, readFileSync } from "node:fs"
import { getPriority } from "node:os"
import { Argon2PasswordHasher } from "@poststack/adapters-external"
import { Effect, Exit, Redacted, Scope } from "effect"
import { afterEach, describe, expect, it } from "vitest"

/** This process's children running the hashing script, with the nice value of each of their threads. */
const hashingProcesses = () =>
  readdirSync("/proc")
    .filter((entry) => /^\d+$/.test(entry))
    .flatMap((pid) => {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, "utf8")
        const parent = Number(stat.split(") ")[1]?.split(" ")[1])
        const command = readFileSync(`/proc/${pid}/cmdline`, "utf8")
        if (parent !== process.pid || !command.includes("argon2Process")) return []
        const nice = readdirSync(`/proc/${pid}/task`).map((tid) =>
          // Field 19 of a thread's stat is its nice value.
          Number(readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8").split(") ")[1]?.split(" ")[16])
        )
        return [{ pid: Number(pid), nice }]
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
  it("hashes in a process of its own whose every thread runs at the configured lower priority, stopped with its scope", async () => {
    const hasher = await made({ memoryCost: 1024, timeCost: 1, nice: 12 })
    const stored = await Effect.runPromise(hasher.hash(Redacted.make("a passphrase long enough")))
    expect(stored).toMatch(/^\$argon2id\$v=19\$m=1024,t=1,p=1\$/)
    const running = hashingProcesses()
    expect(running).toHaveLength(1)
    // The main thread, V8's and libuv's (which ran the hashes) all at 12, or at the suite's own
    // nice value when that is higher (`nice -n 19 pnpm test`): only root may raise a priority.
    const expected = process.getuid?.() === 0 ? 12 : Math.max(12, getPriority())
    expect(running[0]?.nice.length).toBeGreaterThan(4)
    expect(new Set(running[0]?.nice)).toEqual(new Set([expected]))
    expect(
      (await Effect.runPromise(hasher.verify(stored, Redacted.make("a passphrase long enough")))).matches
    ).toBe(true)

    await Effect.runPromise(Scope.close(scopes.pop() as Scope.CloseableScope, Exit.void))
    const deadline = Date.now() + 5_000
    while (hashingProcesses().length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
    expect(hashingProcesses()).toEqual([])
  })

  it("starts a new hashing process when the last one died", async () => {
    const hasher = await made({ memoryCost: 1024, timeCost: 1 })
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
