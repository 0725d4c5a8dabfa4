import { randomUUID } from "node:crypto"
import { Argon2PasswordHasher } from "@poststack/adapters-external"
import { Effect, Redacted } from "effect"
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest"
import { query } from "../support/database.js"
import { startTestServer, type TestServer } from "../support/server.js"
import { Browser, mailTo, tokenIn } from "./browser.js"
import { type AccountsWorld, startAccountsWorld } from "./harness.js"

describe("accounts: enumeration, brute force, password reset and change", () => {
  let world: AccountsWorld
  let twin: TestServer
  const seen = new Set<number>()
  const password = "correct horse battery staple"
  const redisPrefix = `test:${randomUUID()}:`

  const signUpVerified = async (email: string) => {
    const browser = new Browser(world.server.baseUrl)
    expect((await browser.call("POST", "/auth/sign-up", { email, password })).status).toBe(202)
    const token = tokenIn(await mailTo(world.sink, email, /confirm your email/i, seen))
    expect((await browser.call("POST", "/auth/verify-email", { token })).status).toBe(200)
    return browser
  }

  beforeAll(async () => {
    // Two API servers sharing one Redis: brute-force counts are shared between them.
    // Production's Argon2 cost, so that skipping the hash for unknown addresses would show in the timing.
    world = await startAccountsWorld({
      redisUrl: inject("redisUrl"),
      redisPrefix,
      passwordCost: Argon2PasswordHasher.OWASP_MINIMUM
    })
    twin = await startTestServer({ databaseUrl: world.db.url, redisUrl: inject("redisUrl"), redisPrefix })
    await signUpVerified("known@people.test")
  })
  afterAll(async () => {
    await twin?.close()
    await world?.close()
  })

  it("answers sign-in, sign-up and reset alike for known and unknown addresses, in similar time", async () => {
    const browser = new Browser(world.server.baseUrl)
    const timed = async (email: string) => {
      const started = performance.now()
      const res = await browser.call("POST", "/auth/sign-in", { email, password: "wrong password here" })
      return { res, ms: performance.now() - started }
    }
    const known: Array<number> = []
    const unknown: Array<number> = []
    for (let i = 0; i < 9; i++) {
      const a = await timed("known@people.test")
      const b = await timed(`nobody${i}@people.test`)
      expect(a.res.status).toBe(401)
      expect(b.res.status).toBe(401)
      expect(a.res.text).toBe(b.res.text)
      known.push(a.ms)
      unknown.push(b.ms)
    }
    expect(JSON.parse(known.length > 0 ? (await timed("nobody@people.test")).res.text : "{}")).toEqual({
      error: "Wrong email or password",
      code: "unauthorized"
    })
    // Both paths run one Argon2id verification at production cost (tens of milliseconds here), so
    // neither fastest answer is far below the other; without the decoy an unknown address answers
    // in ~1 ms. The fastest of nine is what the work costs: a busy machine only adds to a time (the
    // medians of one run on a loaded machine were 317 and 149 ms, the fastest 55 and 52 ms).
    const fastest = (values: ReadonlyArray<number>) => Math.min(...values)
    expect(fastest(unknown), JSON.stringify({ known, unknown })).toBeGreaterThan(fastest(known) * 0.5)
    expect(fastest(known), JSON.stringify({ known, unknown })).toBeGreaterThan(fastest(unknown) * 0.5)

    const upKnown = await browser.call("POST", "/auth/sign-up", { email: "known@people.test", password })
    const upNew = await browser.call("POST", "/auth/sign-up", { email: "fresh@people.test", password })
    expect(upKnown.status).toBe(202)
    expect(upKnown.text).toBe(upNew.text)
    // The owner of the known address learns someone tried; the new one gets the verification link.
    await mailTo(world.sink, "known@people.test", /tried to sign up/i, seen)
    await mailTo(world.sink, "fresh@people.test", /confirm your email/i, seen)

    const resetKnown = await browser.call("POST", "/auth/password-reset", { email: "known@people.test" })
    const resetUnknown = await browser.call("POST", "/auth/password-reset", { email: "ghost@people.test" })
    expect(resetKnown.status).toBe(202)
    expect(resetKnown.text).toBe(resetUnknown.text)
    await mailTo(world.sink, "known@people.test", /reset your/i, seen)
  })

  it("locks an account after ten failed sign-ins, even for the right password, across servers sharing Redis", async () => {
    await signUpVerified("target@people.test")
    const attacker = new Browser(world.server.baseUrl)
    for (let i = 0; i < 10; i++) {
      const res = await attacker.call("POST", "/auth/sign-in", {
        email: "target@people.test",
        password: `guess ${i} guess`
      })
      expect(res.status).toBe(401)
    }
    const locked = await attacker.call("POST", "/auth/sign-in", { email: "target@people.test", password })
    expect(locked.status).toBe(429)
    expect(locked.body.code).toBe("rate_limit_exceeded")
    expect(Number(locked.headers.get("retry-after"))).toBeGreaterThan(0)
    // The person is told how long to wait, not just "later".
    expect(locked.body.error).toMatch(/^Too many attempts: try again in (a minute|1[0-5] minutes)$/)
    // The other server reads the same counts.
    const elsewhere = await new Browser(twin.baseUrl).call("POST", "/auth/sign-in", {
      email: "target@people.test",
      password
    })
    expect(elsewhere.status).toBe(429)
    // An unknown address locks the same way, so the lock itself names no account.
    for (let i = 0; i < 10; i++)
      await attacker.call("POST", "/auth/sign-in", {
        email: "phantom@people.test",
        password: `guess ${i} guess`
      })
    expect(
      (await attacker.call("POST", "/auth/sign-in", { email: "phantom@people.test", password })).status
    ).toBe(429)
    // Other accounts are unaffected.
    expect(
      (await attacker.call("POST", "/auth/sign-in", { email: "known@people.test", password })).status
    ).toBe(200)
  })

  it("resets a password by a single-use link that expires, ending every session and sending a notice", async () => {
    const email = "reset@people.test"
    await signUpVerified(email)
    const laptop = new Browser(world.server.baseUrl)
    await laptop.signIn(email, password)
    const stranger = new Browser(world.server.baseUrl)
    expect((await stranger.call("POST", "/auth/password-reset", { email })).status).toBe(202)
    const token = tokenIn(await mailTo(world.sink, email, /reset your/i, seen))
    expect(token).not.toBe("")

    const newPassword = "a brand new passphrase"
    const short = await stranger.call("POST", "/auth/password-reset/confirm", { token, password: "short" })
    expect(short.status).toBe(400)
    expect(
      (await stranger.call("POST", "/auth/password-reset/confirm", { token, password: newPassword })).status
    ).toBe(200)
    const reused = await stranger.call("POST", "/auth/password-reset/confirm", {
      token,
      password: "yet another passphrase"
    })
    expect(reused.status).toBe(422)
    await mailTo(world.sink, email, /security notice: your password was reset/i, seen)
    expect((await laptop.call("GET", "/account")).status).toBe(401)
    expect(
      (await new Browser(world.server.baseUrl).call("POST", "/auth/sign-in", { email, password })).status
    ).toBe(401)
    await new Browser(world.server.baseUrl).signIn(email, newPassword)

    // An expired link is refused.
    await stranger.call("POST", "/auth/password-reset", { email })
    const late = tokenIn(await mailTo(world.sink, email, /reset your/i, seen))
    await query(
      world.db.url,
      "UPDATE account_links SET expires_at = now() - interval '1 second' WHERE used_at IS NULL"
    )
    expect(
      (
        await stranger.call("POST", "/auth/password-reset/confirm", {
          token: late,
          password: "late passphrase!"
        })
      ).status
    ).toBe(422)
  })

  it("changes the password only with the current one, ending every other session", async () => {
    const email = "change@people.test"
    await signUpVerified(email)
    const phone = new Browser(world.server.baseUrl)
    const laptop = new Browser(world.server.baseUrl)
    await phone.signIn(email, password)
    await laptop.signIn(email, password)
    const sessions = await laptop.call("GET", "/auth/sessions")
    expect((sessions.body.data as Array<{ current: boolean }>).map((s) => s.current).sort()).toEqual([
      false,
      true
    ])

    const wrong = await laptop.call("POST", "/account/password", {
      current_password: "not the password",
      new_password: "another long passphrase"
    })
    expect(wrong.status).toBe(401)
    expect((await phone.call("GET", "/account")).status).toBe(200)
    const changed = await laptop.call("POST", "/account/password", {
      current_password: password,
      new_password: "another long passphrase"
    })
    expect(changed.status, changed.text).toBe(200)
    expect(changed.body.endedSessions).toBe(1)
    expect((await phone.call("GET", "/account")).status).toBe(401)
    expect((await laptop.call("GET", "/account")).status).toBe(200)
    await mailTo(world.sink, email, /security notice: your password was changed/i, seen)
  })

  it("re-hashes a password stored with weaker Argon2 parameters at the next sign-in", async () => {
    const email = "legacy@people.test"
    await signUpVerified(email)
    // What a hash made with m=512 KiB, t=1 looks like: same salt and digest length, cheaper cost.
    const [row] = await query<{ password_hash: string }>(
      world.db.url,
      "SELECT password_hash FROM users WHERE email = $1",
      [email]
    )
    const weak = await Effect.runPromise(
      Effect.scoped(
        Effect.flatMap(Argon2PasswordHasher.make({ memoryCost: 512, timeCost: 1 }), (h) =>
          h.hash(Redacted.make(password))
        )
      )
    )
    expect(row?.password_hash).not.toBe(weak)
    await query(world.db.url, "UPDATE users SET password_hash = $1 WHERE email = $2", [weak, email])
    await new Browser(world.server.baseUrl).signIn(email, password)
    const [after] = await query<{ password_hash: string }>(
      world.db.url,
      "SELECT password_hash FROM users WHERE email = $1",
      [email]
    )
    expect(after?.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/)
    await new Browser(world.server.baseUrl).signIn(email, password)
  })
})
