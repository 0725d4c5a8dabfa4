import { createHash } from "node:crypto"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { query } from "../support/database.js"
import { currentStep, totpAt } from "../support/totp.js"
import { Browser, mailTo, tokenIn } from "./browser.js"
import { type AccountsWorld, startAccountsWorld } from "./harness.js"

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex")

describe("accounts: TOTP two-factor authentication", () => {
  let world: AccountsWorld
  const seen = new Set<number>()
  const logs: Array<string> = []
  /** Every secret, code and token handed out; none may reach a log line. */
  const secrets: Array<string> = []
  const password = "correct horse battery staple"

  const signUpVerified = async (email: string) => {
    const browser = new Browser(world.server.baseUrl)
    expect((await browser.call("POST", "/auth/sign-up", { email, password })).status).toBe(202)
    const token = tokenIn(await mailTo(world.sink, email, /confirm your email/i, seen))
    expect((await browser.call("POST", "/auth/verify-email", { token })).status).toBe(200)
    await browser.signIn(email, password)
    return browser
  }

  /** Enrols and confirms, answering the secret and the backup codes. */
  const enrol = async (browser: Browser) => {
    const started = await browser.call("POST", "/account/two-factor")
    expect(started.status, started.text).toBe(201)
    const secret = started.body.secret as string
    const confirmed = await browser.call("POST", "/account/two-factor/confirm", {
      code: totpAt(secret, currentStep())
    })
    expect(confirmed.status, confirmed.text).toBe(200)
    const backupCodes = confirmed.body.backupCodes as Array<string>
    secrets.push(secret, ...backupCodes)
    return { secret, backupCodes }
  }

  /** The first step of a sign-in with 2FA on: the challenge, and no cookie. */
  const firstStep = async (email: string) => {
    const browser = new Browser(world.server.baseUrl)
    const res = await browser.call("POST", "/auth/sign-in", { email, password })
    expect(res.status, res.text).toBe(200)
    expect(res.body.twoFactorRequired).toBe(true)
    expect(res.headers.getSetCookie()).toEqual([])
    expect(browser.cookie).toBeUndefined()
    const challenge = res.body.challenge as string
    secrets.push(challenge)
    return { browser, challenge }
  }

  beforeAll(async () => {
    world = await startAccountsWorld({ logSink: (line) => logs.push(line) })
  })
  afterAll(async () => {
    await world?.close()
  })

  it("enrols with a QR code and a confirmation code, then asks every sign-in for a code", async () => {
    const email = "totp@people.test"
    const browser = await signUpVerified(email)
    expect((await browser.call("GET", "/account/two-factor")).body).toEqual({
      enabled: false,
      backupCodesLeft: 0
    })

    const started = await browser.call("POST", "/account/two-factor")
    expect(started.status, started.text).toBe(201)
    const secret = started.body.secret as string
    secrets.push(secret)
    expect(secret).toMatch(/^[A-Z2-7]{32}$/)
    expect(started.body.otpauthUri).toMatch(
      new RegExp(`^otpauth://totp/PostStack:totp%40people\\.test\\?.*secret=${secret}`)
    )
    expect(started.body.qrCodeSvg).toMatch(/^<svg[\s\S]*<\/svg>\s*$/)
    // Not on until a code proves the app has the secret.
    expect((await browser.call("GET", "/account/two-factor")).body.enabled).toBe(false)
    const [stored] = await query<{ sealed_secret: Buffer }>(
      world.db.url,
      "SELECT sealed_secret FROM totp_factors f JOIN users u ON u.id = f.user_id WHERE u.email = $1",
      [email]
    )
    expect(stored?.sealed_secret.includes(Buffer.from(secret))).toBe(false)

    const wrong = await browser.call("POST", "/account/two-factor/confirm", {
      code: "000000" === totpAt(secret, currentStep()) ? "111111" : "000000"
    })
    expect(wrong.status).toBe(401)
    expect(wrong.body).toEqual({ error: "The code is wrong or expired", code: "unauthorized" })

    const confirmed = await browser.call("POST", "/account/two-factor/confirm", {
      code: totpAt(secret, currentStep())
    })
    expect(confirmed.status, confirmed.text).toBe(200)
    const codes = confirmed.body.backupCodes as Array<string>
    secrets.push(...codes)
    expect(codes).toHaveLength(10)
    expect(new Set(codes).size).toBe(10)
    for (const code of codes) expect(code).toMatch(/^[a-z2-9]{5}-[a-z2-9]{5}$/)
    const hashes = await query<{ code_hash: string }>(
      world.db.url,
      "SELECT code_hash FROM totp_backup_codes ORDER BY code_hash"
    )
    expect(hashes.map((h) => h.code_hash)).toEqual(codes.map(sha256).sort())
    expect((await browser.call("GET", "/account/two-factor")).body).toEqual({
      enabled: true,
      backupCodesLeft: 10
    })
    expect((await browser.call("POST", "/account/two-factor")).status).toBe(409)
    await mailTo(world.sink, email, /two-factor authentication was turned on/i, seen)

    // The password alone opens no session.
    const { browser: other, challenge } = await firstStep(email)
    expect((await other.call("GET", "/auth/session")).status).toBe(401)
    const bad = await other.call("POST", "/auth/sign-in/two-factor", { challenge, code: "12345" })
    expect(bad.status).toBe(401)
    expect(other.cookie).toBeUndefined()
    // The code of the next step (clock drift) is taken; then the current one, older, is not.
    const next = totpAt(secret, currentStep() + 1)
    const ok = await other.call("POST", "/auth/sign-in/two-factor", { challenge, code: next })
    expect(ok.status, ok.text).toBe(200)
    expect(other.cookie).toBeDefined()
    expect((ok.body.user as { email: string }).email).toBe(email)
    expect((await other.call("GET", "/auth/session")).status).toBe(200)
    // The challenge is spent with the session it opened.
    expect((await other.call("POST", "/auth/sign-in/two-factor", { challenge, code: next })).status).toBe(401)

    const again = await firstStep(email)
    const reused = await again.browser.call("POST", "/auth/sign-in/two-factor", {
      challenge: again.challenge,
      code: next
    })
    expect(reused.status).toBe(401)
    expect(reused.body).toEqual({ error: "The code is wrong or expired", code: "unauthorized" })
  })

  it("takes a backup code once, typed in capitals with spaces around it too", async () => {
    const email = "backup@people.test"
    const browser = await signUpVerified(email)
    const { backupCodes } = await enrol(browser)
    const code = backupCodes[0] ?? ""
    const first = await firstStep(email)
    const viaBackup = await first.browser.call("POST", "/auth/sign-in/two-factor", {
      challenge: first.challenge,
      code: ` ${code.toUpperCase()} `
    })
    expect(viaBackup.status, viaBackup.text).toBe(200)
    expect(first.browser.cookie).toBeDefined()
    const second = await firstStep(email)
    const reused = await second.browser.call("POST", "/auth/sign-in/two-factor", {
      challenge: second.challenge,
      code
    })
    expect(reused.status).toBe(401)
    expect((await browser.call("GET", "/account/two-factor")).body).toEqual({
      enabled: true,
      backupCodesLeft: 9
    })
    const [used] = await query<{ used: number }>(
      world.db.url,
      "SELECT count(*)::int AS used FROM totp_backup_codes WHERE code_hash = $1 AND used_at IS NOT NULL",
      [sha256(code)]
    )
    expect(used?.used).toBe(1)
  })

  it("refuses an unknown, expired or foreign challenge, and stops guessing after five wrong codes", async () => {
    const email = "guess@people.test"
    const browser = await signUpVerified(email)
    const { secret } = await enrol(browser)

    const unknown = await new Browser(world.server.baseUrl).call("POST", "/auth/sign-in/two-factor", {
      challenge: "x".repeat(43),
      code: totpAt(secret, currentStep())
    })
    expect(unknown.status).toBe(401)
    expect(unknown.body).toEqual({
      error: "This sign-in has expired: sign in again with your password",
      code: "unauthorized"
    })

    const { browser: attacker, challenge } = await firstStep(email)
    await query(world.db.url, "UPDATE sign_in_challenges SET expires_at = now() - interval '1 second'")
    const expired = await attacker.call("POST", "/auth/sign-in/two-factor", {
      challenge,
      code: totpAt(secret, currentStep() + 1)
    })
    expect(expired.status).toBe(401)
    expect(expired.body.error).toMatch(/expired/)

    // Another person's code does not answer this person's challenge.
    const otherEmail = "bystander@people.test"
    const otherBrowser = await signUpVerified(otherEmail)
    const other = await enrol(otherBrowser)
    const fresh = await firstStep(email)
    const foreign = await fresh.browser.call("POST", "/auth/sign-in/two-factor", {
      challenge: fresh.challenge,
      code: other.backupCodes[0]
    })
    expect(foreign.status).toBe(401)

    // The foreign code counted (the enrolment's confirmation has a budget of its own); four more
    // wrong codes use up the five of the quarter hour, and then even the right one is refused.
    const right = totpAt(secret, currentStep() + 1)
    const wrong = right === "000000" ? "111111" : "000000"
    for (let i = 0; i < 4; i++)
      expect(
        (
          await fresh.browser.call("POST", "/auth/sign-in/two-factor", {
            challenge: fresh.challenge,
            code: wrong
          })
        ).status
      ).toBe(401)
    const limited = await fresh.browser.call("POST", "/auth/sign-in/two-factor", {
      challenge: fresh.challenge,
      code: right
    })
    expect(limited.status).toBe(429)
    expect(limited.body.code).toBe("rate_limit_exceeded")
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0)
  })

  it("keeps a budget per action: guesses at turning it off do not lock the person out of signing in", async () => {
    const email = "budgets@people.test"
    const browser = await signUpVerified(email)
    const { secret } = await enrol(browser)
    const right = () => totpAt(secret, currentStep() + 1)
    const wrong = () => (right() === "000000" ? "111111" : "000000")
    // A session left open: someone guesses codes to turn two-factor off, five times.
    for (let i = 0; i < 5; i++)
      expect((await browser.call("POST", "/account/two-factor/disable", { code: wrong() })).status).toBe(401)
    const blocked = await browser.call("POST", "/account/two-factor/disable", { code: right() })
    expect(blocked.status).toBe(429)
    expect(blocked.body.code).toBe("rate_limit_exceeded")
    // The person still signs in with a code, on another device, within the sign-in budget.
    const { browser: other, challenge } = await firstStep(email)
    const signedIn = await other.call("POST", "/auth/sign-in/two-factor", { challenge, code: right() })
    expect(signedIn.status, signedIn.text).toBe(200)
    expect((await browser.call("GET", "/account/two-factor")).body.enabled).toBe(true)
  })

  it("turns off only with the password or a code, mails a notice, and needs the CSRF token", async () => {
    const email = "off@people.test"
    const browser = await signUpVerified(email)
    const { backupCodes } = await enrol(browser)
    await mailTo(world.sink, email, /turned on/i, seen)

    expect(
      (await browser.call("POST", "/account/two-factor/disable", { password }, { csrf: null })).status
    ).toBe(403)
    const noProof = await browser.call("POST", "/account/two-factor/disable", {})
    expect(noProof.status).toBe(401)
    const wrongPassword = await browser.call("POST", "/account/two-factor/disable", {
      password: "not the password"
    })
    expect(wrongPassword.status).toBe(401)
    expect((await browser.call("GET", "/account/two-factor")).body.enabled).toBe(true)

    const off = await browser.call("POST", "/account/two-factor/disable", { code: backupCodes[1] })
    expect(off.status, off.text).toBe(200)
    expect(off.body).toEqual({ enabled: false })
    await mailTo(world.sink, email, /two-factor authentication was turned off/i, seen)
    const rows = await query(
      world.db.url,
      "SELECT 1 FROM totp_factors f JOIN users u ON u.id = f.user_id WHERE u.email = $1",
      [email]
    )
    expect(rows).toEqual([])
    expect((await browser.call("POST", "/account/two-factor/disable", { password })).status).toBe(409)
    // The password alone signs in again.
    const plain = await new Browser(world.server.baseUrl).call("POST", "/auth/sign-in", { email, password })
    expect(plain.status).toBe(200)
    expect(plain.body.csrfToken).toBeTypeOf("string")
  })

  it("an API key cannot reach the two-factor routes", async () => {
    const res = await fetch(`${world.server.baseUrl}/account/two-factor`, {
      headers: { authorization: `Bearer ${world.key}` }
    })
    expect(res.status).toBe(403)
  })

  it("writes no secret, code or challenge to the log", () => {
    expect(logs.length).toBeGreaterThan(0)
    expect(secrets.length).toBeGreaterThan(20)
    const all = logs.join("\n")
    for (const secret of secrets) expect(all).not.toContain(secret)
  })
})
