import { readFileSync } from "node:fs"
import type { Browser as Chromium } from "playwright-core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { DIST } from "../../apps/dashboard/scripts/ensureBuilt.mjs"
import { Browser, signUpVerified } from "../accounts/browser.js"
import { type AccountsWorld, startAccountsWorld } from "../accounts/harness.js"
import { launchChromium } from "./chromium.js"
import { screenshotPath } from "../support/screenshots.js"

const EMAIL = "olive.privacy@people.test"
const PASSWORD = "correct horse battery staple"
const SUBJECT = "dana.subject@example.com"

describe("the privacy page in a browser", () => {
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

  it("exports an address with live progress and a download, then erases it behind a confirmation", async () => {
    if (chromium === undefined) throw noChromium
    const api = new Browser(world.server.baseUrl)
    await signUpVerified(api, world.sink, EMAIL, PASSWORD)
    const contact = await api.call("POST", "/contacts", { email: SUBJECT, first_name: "Dana" })
    expect(contact.status, contact.text).toBe(201)

    const context = await chromium.newContext({
      viewport: { width: 1200, height: 900 },
      acceptDownloads: true
    })
    const page = await context.newPage()
    const problems: Array<string> = []
    page.on("pageerror", (error) => problems.push(error.message))
    await page.goto(`${world.server.baseUrl}/sign-in`)
    await page.getByLabel("Email").fill(EMAIL)
    await page.getByLabel("Password").fill(PASSWORD)
    await page.getByRole("button", { name: "Sign in" }).click()
    await page.waitForURL(/\/app\//)
    await page.getByRole("link", { name: "Privacy" }).click()
    await page.getByRole("heading", { name: "Privacy", level: 1 }).waitFor()

    await page.getByLabel("Email address").fill(SUBJECT)
    await page.getByRole("button", { name: "Export", exact: true }).click()
    const exportRow = page.locator("li.privacy-job").first()
    await exportRow.getByText("Done (1/1)").waitFor({ timeout: 30_000 })
    const link = exportRow.getByRole("link", { name: "Download the archive (JSON)" })
    const href = (await link.getAttribute("href")) ?? ""
    expect(href).toMatch(/^\/privacy\/jobs\/prj_[0-9a-f]{24}\/archive$/)
    // The browser's own cookie fetches the archive, as the link does.
    const archive = await context.request.get(`${world.server.baseUrl}${href}`)
    expect(archive.status()).toBe(200)
    const body = (await archive.json()) as { contacts: Array<{ email: string; first_name: string }> }
    expect(body.contacts).toEqual([expect.objectContaining({ email: SUBJECT, first_name: "Dana" })])

    await page.getByRole("button", { name: "Erase this address…" }).click()
    const dialog = page.getByRole("alertdialog")
    expect(await dialog.getByRole("heading").textContent()).toBe(`Erase ${SUBJECT}?`)
    await dialog.getByRole("button", { name: "Erase for good" }).click()
    const eraseRow = page.locator("li.privacy-job").first()
    await eraseRow.getByText("Done (5/5)").waitFor({ timeout: 30_000 })
    const report = eraseRow.getByRole("table", { name: "Erasure report" })
    expect(await report.getByRole("row", { name: /contacts/ }).textContent()).toBe("contacts1")
    await page.screenshot({ path: screenshotPath("dash-privacy.png"), fullPage: true })
    expect((await api.call("GET", `/contacts/by-email/${encodeURIComponent(SUBJECT)}`)).status).toBe(404)

    // P36: the account page hands the person their own data as a file.
    await page.getByRole("link", { name: "Account" }).click()
    await page.getByRole("heading", { name: "Your data" }).waitFor()
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("link", { name: "Download my data" }).click()
    ])
    expect(download.suggestedFilename()).toMatch(/^poststack-personal-data-usr_[0-9a-z]+\.json$/)
    const mine = JSON.parse(readFileSync((await download.path()) ?? "", "utf8")) as {
      account: { email: string }
    }
    expect(mine.account.email).toBe(EMAIL)
    await page.getByRole("heading", { name: "Your data" }).scrollIntoViewIfNeeded()
    await page.screenshot({ path: screenshotPath("dash-account-data.png") })
    expect(problems).toEqual([])
    await context.close()
  }, 120_000)
})
