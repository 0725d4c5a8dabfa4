import type { Browser as Chromium } from "playwright-core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { DIST } from "../../apps/dashboard/scripts/ensureBuilt.mjs"
import { Browser, signUpVerified } from "../accounts/browser.js"
import { type AccountsWorld, startAccountsWorld } from "../accounts/harness.js"
import { query } from "../support/database.js"
import { currentStep, totpAt } from "../support/totp.js"
import { launchChromium } from "./chromium.js"
import { screenshotPath } from "../support/screenshots.js"

const EMAIL = "rhea.closing@people.test"
const PASSWORD = "correct horse battery staple"

describe("closing a team and deleting an account in a browser", () => {
  let world: AccountsWorld
  let chromium: Chromium | undefined
  let noChromium: unknown

  beforeAll(async () => {
    chromium = await launchChromium().catch((error: unknown) => {
      noChromium = error
      return undefined
    })
    world = await startAccountsWorld({ dashboardDir: DIST })
  })
  afterAll(async () => {
    await chromium?.close()
    await world?.close()
  })

  it("an owner closes the team behind password and tick box, then deletes their account and is signed out", async () => {
    if (chromium === undefined) throw noChromium
    const api = new Browser(world.server.baseUrl)
    const signedIn = await signUpVerified(api, world.sink, EMAIL, PASSWORD)
    const teamId = (signedIn.body.teams as Array<{ id: number }>)[0]?.id ?? 0
    // A second team, so the account keeps one after the first closes.
    expect((await api.call("POST", "/teams", { name: "Rhea's second" })).status).toBe(201)

    const context = await chromium.newContext({ viewport: { width: 1200, height: 900 } })
    const page = await context.newPage()
    const problems: Array<string> = []
    page.on("pageerror", (error) => problems.push(error.message))
    await page.goto(`${world.server.baseUrl}/sign-in`)
    await page.getByLabel("Email").fill(EMAIL)
    await page.getByLabel("Password").fill(PASSWORD)
    await page.getByRole("button", { name: "Sign in" }).click()
    await page.waitForURL(/\/app\//)
    await page.getByRole("link", { name: "Team", exact: true }).click()
    const closing = page.getByRole("form", { name: "Close the team" })
    await closing.waitFor()
    await closing.getByLabel("Your password").fill("not my password")
    await closing.getByLabel(/I understand that .* will be deleted/).check()
    await closing.getByRole("button", { name: "Close the team for good" }).click()
    await closing.getByRole("alert").waitFor()
    expect(await closing.getByRole("alert").textContent()).toContain("The current password is wrong")
    await closing.getByLabel("Your password").fill(PASSWORD)
    await closing.scrollIntoViewIfNeeded()
    await page.screenshot({ path: screenshotPath("dash-close-team.png"), fullPage: true })
    await closing.getByRole("button", { name: "Close the team for good" }).click()
    await page.waitForURL(/\/app\/account$/)
    const [team] = await query<{ closed: boolean }>(
      world.db.url,
      "SELECT closed_at IS NOT NULL AS closed FROM teams WHERE id = $1",
      [teamId]
    )
    expect(team?.closed).toBe(true)

    const deleting = page.getByRole("form", { name: "Delete my account" })
    await deleting.getByLabel("Your password").fill(PASSWORD)
    await deleting.getByLabel("I understand that my account will be deleted").check()
    await deleting.getByRole("button", { name: "Delete my account for good" }).click()
    await page.waitForURL(/\/sign-in/)
    expect(await query(world.db.url, "SELECT id FROM users WHERE email = $1", [EMAIL])).toEqual([])
    expect(problems).toEqual([])
    await context.close()
  }, 120_000)
  it("with two-factor on, both forms ask for a code too, and take a backup code or the app's", async () => {
    if (chromium === undefined) throw noChromium
    const email = "sol.closing@people.test"
    const api = new Browser(world.server.baseUrl)
    const signedIn = await signUpVerified(api, world.sink, email, PASSWORD)
    const teamId = (signedIn.body.teams as Array<{ id: number }>)[0]?.id ?? 0
    expect((await api.call("POST", "/teams", { name: "Sol's second" })).status).toBe(201)

    const context = await chromium.newContext({ viewport: { width: 1200, height: 900 } })
    const page = await context.newPage()
    const problems: Array<string> = []
    page.on("pageerror", (error) => problems.push(error.message))
    await page.goto(`${world.server.baseUrl}/sign-in`)
    await page.getByLabel("Email").fill(email)
    await page.getByLabel("Password").fill(PASSWORD)
    await page.getByRole("button", { name: "Sign in" }).click()
    await page.waitForURL(/\/app\//)
    // Two-factor is turned on (from another session) after this one signed in.
    const started = await api.call("POST", "/account/two-factor")
    const secret = String(started.body.secret)
    const step = currentStep()
    const confirmed = await api.call("POST", "/account/two-factor/confirm", { code: totpAt(secret, step) })
    expect(confirmed.status, confirmed.text).toBe(200)
    const backupCodes = confirmed.body.backupCodes as Array<string>

    await page.getByRole("link", { name: "Team", exact: true }).click()
    const closing = page.getByRole("form", { name: "Close the team" })
    await closing.waitFor()
    const code = closing.getByLabel(/Code from your authenticator app/)
    await code.waitFor()
    await closing.getByLabel("Your password").fill(PASSWORD)
    await code.fill("000000")
    await closing.getByLabel(/I understand that .* will be deleted/).check()
    await closing.getByRole("button", { name: "Close the team for good" }).click()
    await closing.getByRole("alert").waitFor()
    expect(await closing.getByRole("alert").textContent()).toContain("The two-factor code is wrong")
    await code.fill(backupCodes[0] ?? "")
    await closing.scrollIntoViewIfNeeded()
    await page.screenshot({ path: screenshotPath("dash-close-team-2fa.png"), fullPage: true })
    await closing.getByRole("button", { name: "Close the team for good" }).click()
    await page.waitForURL(/\/app\/account$/)
    const [team] = await query<{ closed: boolean }>(
      world.db.url,
      "SELECT closed_at IS NOT NULL AS closed FROM teams WHERE id = $1",
      [teamId]
    )
    expect(team?.closed).toBe(true)

    const deleting = page.getByRole("form", { name: "Delete my account" })
    await deleting.getByLabel("Your password").fill(PASSWORD)
    await deleting.getByLabel(/Code from your authenticator app/).fill(totpAt(secret, step + 1))
    await deleting.getByLabel("I understand that my account will be deleted").check()
    await deleting.getByRole("button", { name: "Delete my account for good" }).click()
    await page.waitForURL(/\/sign-in/)
    expect(await query(world.db.url, "SELECT id FROM users WHERE email = $1", [email])).toEqual([])
    expect(problems).toEqual([])
    await context.close()
  }, 120_000)
})
