import { Argon2PasswordHasher } from "@poststack/adapters-external"
import { Effect, Redacted } from "effect"
import { describe, expect, it } from "vitest"

describe("Argon2PasswordHasher", () => {
  it("hashes on libuv's thread pool: the event loop keeps ticking through concurrent sign-ins at production cost", async () => {
    const hasher = await Effect.runPromise(Argon2PasswordHasher.make(Argon2PasswordHasher.OWASP_MINIMUM))
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
