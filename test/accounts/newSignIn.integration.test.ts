import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { query } from "../support/database.js"
import { currentStep, totpAt } from "../support/totp.js"
import { Browser, mailTo, tokenIn } from "./browser.js"
import { type AccountsWorld, startAccountsWorld } from "./harness.js"

const CHROME_LINUX =
  "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
const CHROME_LINUX_NEWER =
  "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/132.0.0.0 Safari/537.36"
const FIREFOX_WINDOWS = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"

/** A "new sign-in" security notice (P18) when a person signs in from a device not seen before. */
describe("accounts: new sign-in notice", () => {
  let world: AccountsWorld
  const seen = new Set<number>()
  const password = "correct horse battery staple"

  beforeAll(async () => {
    // One proxy in front: the address it appends is the client's.
    world = await startAccountsWorld({ trustedProxyHops: 1 })
  })
  afterAll(async () => {
    await world?.close()
  })

  const from = (address: string, userAgent: string) =>
    new Browser(world.server.baseUrl, { "x-forwarded-for": address, "user-agent": userAgent })

  const notices = async (email: string) =>
    (
      await query<{ n: number }>(
        world.db.url,
        "SELECT count(*)::int AS n FROM emails WHERE system AND $1 = ANY (to_addresses) AND subject ~* 'new sign-in'",
        [email]
      )
    )[0]?.n

  const signUpVerified = async (email: string) => {
    const browser = from("198.51.100.7", CHROME_LINUX)
    expect((await browser.call("POST", "/auth/sign-up", { email, password })).status).toBe(202)
    const token = tokenIn(await mailTo(world.sink, email, /confirm your email/i, seen))
    expect((await browser.call("POST", "/auth/verify-email", { token })).status).toBe(200)
  }

  it("mails the person when a sign-in comes from a new browser or address, once per device", async () => {
    const email = "nina@people.test"
    await signUpVerified(email)
    // The first sign-in of the account is not news; the same laptop again, its browser updated, neither.
    await from("198.51.100.7", CHROME_LINUX).signIn(email, password)
    await from("198.51.100.7", CHROME_LINUX_NEWER).signIn(email, password)
    expect(await notices(email)).toBe(0)

    // Another browser on another system: a notice, naming it, the address and the time.
    await from("198.51.100.7", FIREFOX_WINDOWS).signIn(email, password)
    const mail = await mailTo(world.sink, email, /new sign-in/i, seen)
    expect(mail.subject).toBe("Security notice: a new sign-in to your PostStack account")
    expect(mail.text).toContain("Firefox on Windows")
    expect(mail.text).toContain("198.51.100.7")
    expect(mail.text).toMatch(/reset your password/i)
    // That device is known now.
    await from("198.51.100.7", FIREFOX_WINDOWS).signIn(email, password)
    expect(await notices(email)).toBe(1)

    // The known browser from a new address is news too.
    await from("203.0.113.9", CHROME_LINUX).signIn(email, password)
    const second = await mailTo(world.sink, email, /new sign-in/i, seen)
    expect(second.text).toContain("203.0.113.9")
    expect(await notices(email)).toBe(2)

    // A wrong password tells nobody anything, and is no device.
    const wrong = await from("192.0.2.50", FIREFOX_WINDOWS).call("POST", "/auth/sign-in", {
      email,
      password: "not the password at all"
    })
    expect(wrong.status).toBe(401)
    expect(await notices(email)).toBe(2)

    // Only hashes are kept: no address, no user agent.
    const rows = await query<{ device_hash: string }>(
      world.db.url,
      "SELECT d.device_hash FROM sign_in_devices d JOIN users u ON u.id = d.user_id WHERE u.email = $1",
      [email]
    )
    expect(rows).toHaveLength(3)
    for (const row of rows) {
      expect(row.device_hash).toMatch(/^[0-9a-f]{64}$/)
      expect(row.device_hash).not.toContain("198.51")
    }
  })

  it("forgets a device unseen for 90 days, and tells after the two-factor step too", async () => {
    const email = "omar@people.test"
    await signUpVerified(email)
    const browser = from("198.51.100.20", CHROME_LINUX)
    await browser.signIn(email, password)
    const started = await browser.call("POST", "/account/two-factor")
    const secret = started.body.secret as string
    expect(
      (await browser.call("POST", "/account/two-factor/confirm", { code: totpAt(secret, currentStep()) }))
        .status
    ).toBe(200)
    await mailTo(world.sink, email, /turned on/i, seen)

    // The laptop was last seen 91 days ago.
    await query(
      world.db.url,
      "UPDATE sign_in_devices SET last_seen_at = now() - interval '91 days' WHERE user_id = (SELECT id FROM users WHERE email = $1)",
      [email]
    )
    const first = await from("198.51.100.20", CHROME_LINUX).call("POST", "/auth/sign-in", { email, password })
    expect(first.body.twoFactorRequired).toBe(true)
    // The password alone opens nothing, and mails nothing yet.
    expect(await notices(email)).toBe(0)
    const done = await from("198.51.100.20", CHROME_LINUX).call("POST", "/auth/sign-in/two-factor", {
      challenge: first.body.challenge,
      code: totpAt(secret, currentStep() + 1)
    })
    expect(done.status, done.text).toBe(200)
    await mailTo(world.sink, email, /new sign-in/i, seen)
    expect(await notices(email)).toBe(1)
  })
})
