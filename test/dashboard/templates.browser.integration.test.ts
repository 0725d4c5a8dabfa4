import type { Browser as Chromium } from "playwright-core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { DIST } from "../../apps/dashboard/scripts/ensureBuilt.mjs"
import { Browser, mailTo, tokenIn } from "../accounts/browser.js"
import { type AccountsWorld, startAccountsWorld } from "../accounts/harness.js"
import { launchChromium } from "./chromium.js"
import { signInAndOpen, watchForProblems } from "./signIn.js"
import { screenshotPath } from "../support/screenshots.js"

const PASSWORD = "correct horse battery staple"
const EMAIL = "tess@people.test"

/** Templates in the dashboard, in headless Chromium against the real server. */
describe("templates in the dashboard", () => {
  let world: AccountsWorld
  let chromium: Chromium | undefined
  let noChromium: unknown
  const problems: Array<string> = []

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

  it("starts from a preset, previews it rendered and escaped in a sandboxed frame, saves a new version and publishes", async () => {
    if (chromium === undefined) throw noChromium
    const api = new Browser(world.server.baseUrl)
    expect(
      (await api.call("POST", "/auth/sign-up", { email: EMAIL, password: PASSWORD, name: "Tess" })).status
    ).toBe(202)
    const verify = await mailTo(world.sink, EMAIL, /confirm your email/i, new Set())
    expect((await api.call("POST", "/auth/verify-email", { token: tokenIn(verify) })).status).toBe(200)
    const context = await chromium.newContext({ viewport: { width: 1200, height: 900 } })
    const page = await context.newPage()
    page.setDefaultTimeout(8_000)
    watchForProblems(page, problems, /status of 40[13]/)

    try {
      await signInAndOpen(page, world.server.baseUrl, { email: EMAIL, password: PASSWORD }, "Templates")
      // An empty team says so and where to begin, rather than showing a table of headings alone.
      await page.getByText("No templates yet: create one above, or start from a preset.").waitFor()
      expect(await page.getByRole("columnheader", { name: "Version" }).count()).toBe(0)

      await page.getByRole("button", { name: "Start from “Welcome”" }).click()
      await page.getByRole("row", { name: /Welcome Draft 1/ }).waitFor()
      const preview = page.getByRole("region", { name: "Preview" })
      await preview.getByLabel("Sample first_name").fill("<Ann>")
      await preview.getByLabel("Sample product_name").fill("Acme")
      await expect
        .poll(() => preview.getByTestId("preview-subject").textContent())
        .toBe("Welcome to Acme, <Ann>")
      const frame = page.frameLocator('iframe[title="Rendered email"]')
      await frame.getByRole("heading", { name: "Welcome, <Ann>!" }).waitFor()
      expect(await page.locator('iframe[title="Rendered email"]').getAttribute("sandbox")).toBe("")
      // The value was escaped by the server: no element was made from it.
      expect(await frame.locator("ann").count()).toBe(0)
      await page.screenshot({ path: screenshotPath("dash-templates.png"), fullPage: true })

      // Published, then edited: a new version, still published.
      await page.getByRole("button", { name: "Publish" }).click()
      await page.getByText("Published, version 1.").waitFor()
      await page.getByLabel("Subject", { exact: true }).fill("Hello from {{ product_name }}")
      await page.getByRole("button", { name: "Save" }).click()
      await page.getByText("Published, version 2.").waitFor()
      await expect.poll(() => preview.getByTestId("preview-subject").textContent()).toMatch(/^Hello from/)
      await page.getByRole("row", { name: /Welcome Published 2/ }).waitFor()

      // A syntax error is refused with the contract's message, and nothing changes.
      await page.getByLabel("Subject", { exact: true }).fill("Hello {{ product_name")
      await page.getByRole("button", { name: "Save" }).click()
      await page
        .getByRole("alert")
        .getByText(/Template subject is invalid/)
        .waitFor()
      expect(problems.filter((p) => !/422/.test(p))).toEqual([])
    } catch (error) {
      await page.screenshot({ path: screenshotPath("dash-templates-failed.png"), fullPage: true })
      throw new Error(`${String(error)}\n${problems.join("\n")}`)
    }
    await context.close()
  }, 60_000)
})
