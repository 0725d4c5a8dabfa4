import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import type { Browser as Chromium, Page } from "playwright-core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { DIST } from "../../apps/dashboard/scripts/ensureBuilt.mjs"
import { Browser, mailTo, tokenIn } from "../accounts/browser.js"
import { type AccountsWorld, startAccountsWorld } from "../accounts/harness.js"
import { query } from "../support/database.js"
import { launchChromium } from "./chromium.js"
import { screenshotPath } from "../support/screenshots.js"

const PASSWORD = "correct horse battery staple"
const EMAIL = "fran@people.test"

/** Serves one page holding `html`, on another origin than the API (another port). */
const customerSite = async (html: string): Promise<{ url: string; close: () => Promise<void> }> => {
  const server: Server = createServer((_req, res) => {
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" })
    res.end(
      `<!doctype html><html><head><title>Shop</title></head><body><h1>Our shop</h1>${html}</body></html>`
    )
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () => new Promise((resolve) => server.close(() => resolve()))
  }
}

/** Signup forms in the dashboard, in headless Chromium, and their snippet on another site. */
describe("signup forms in the dashboard", () => {
  let world: AccountsWorld
  let chromium: Chromium | undefined
  let noChromium: unknown
  const problems: Array<string> = []
  const seen = new Set<number>()

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

  const url = (path: string) => `${world.server.baseUrl}${path}`
  const watch = (page: Page) => {
    page.on("pageerror", (error) => problems.push(`pageerror: ${error.message}`))
    page.on("console", (message) => {
      // The signed-out session check answers 401: expected, not a problem.
      if (message.type() === "error" && !/status of 401/.test(message.text()))
        problems.push(`console: ${message.text()}`)
    })
  }

  it("creates a form, copies its snippet, and the snippet subscribes a visitor from another origin", {
    timeout: 60_000
  }, async () => {
    if (chromium === undefined) throw noChromium
    const api = new Browser(world.server.baseUrl)
    expect(
      (await api.call("POST", "/auth/sign-up", { email: EMAIL, password: PASSWORD, name: "Fran" })).status
    ).toBe(202)
    const verify = await mailTo(world.sink, EMAIL, /confirm your email/i, seen)
    expect((await api.call("POST", "/auth/verify-email", { token: tokenIn(verify) })).status).toBe(200)
    // A segment kept by hand, a rule segment (which decides its own members) and a topic to choose from.
    await api.signIn(EMAIL, PASSWORD)
    const readers = (await api.call("POST", "/segments", { name: "Launch readers" })).body.segment as {
      publicId: string
    }
    const rules = { operator: "and", conditions: [{ field: "email", comparator: "contains", value: "@" }] }
    expect((await api.call("POST", "/segments", { name: "Everyone by rule", rules })).status).toBe(201)
    const news = (await api.call("POST", "/subscription-topics", { name: "Launch news" })).body.topic as {
      publicId: string
    }

    const context = await chromium.newContext({ viewport: { width: 1200, height: 900 } })
    await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: world.server.baseUrl })
    const page = await context.newPage()
    watch(page)
    await page.goto(url("/sign-in"))
    await page.getByLabel("Email").fill(EMAIL)
    await page.getByLabel("Password").fill(PASSWORD)
    await page.getByRole("button", { name: "Sign in" }).click()
    await page.waitForURL(url("/app/api-keys"))
    await page.getByRole("link", { name: "Signup forms" }).click()
    await page.getByRole("heading", { name: "Signup forms", level: 1 }).waitFor()
    await page.getByText("No signup forms yet.").waitFor()
    const noMail = page.getByRole("alert").filter({ hasText: "sends no confirmation mail yet" })
    expect(await noMail.count()).toBe(0)
    // Without a sender for its own mail no visitor could ever confirm: the page says so, and how to fix it.
    await query(world.db.url, "UPDATE domains SET status = 'pending' WHERE name = 'system.test'")
    await page.reload()
    await noMail.filter({ hasText: "POSTSTACK_SYSTEM_FROM" }).waitFor()
    await query(world.db.url, "UPDATE domains SET status = 'verified' WHERE name = 'system.test'")
    await page.reload()
    await page.getByText("No signup forms yet.").waitFor()
    expect(await noMail.count()).toBe(0)

    const create = page.getByRole("form", { name: "New signup form" })
    await create.getByLabel("Form name").fill("Launch list")
    await create.getByLabel("Success message").fill("Almost there: check your inbox.")
    // The audience is chosen by name, not typed as an id; only segments kept by hand are offered.
    const segmentChoice = create.getByLabel("Add to segment")
    await expect
      .poll(() => segmentChoice.locator("option").allTextContents())
      .toEqual(["No segment", "Launch readers"])
    await segmentChoice.selectOption({ label: "Launch readers" })
    await create.getByLabel("Topic").selectOption({ label: "Launch news" })
    await create.getByRole("button", { name: "Create form" }).click()
    const card = page.getByRole("listitem", { name: "Launch list" })
    await card.getByText("0 submissions").waitFor()
    await card.getByText("Active", { exact: true }).waitFor()
    const stored = (await api.call("GET", "/signup-forms")).body.data as Array<Record<string, unknown>>
    expect(stored[0]).toMatchObject({ segmentPublicId: readers.publicId, topicPublicId: news.publicId })

    // The embed code opens on creation; the button copies exactly what is shown.
    const code = card.getByLabel("Embed code for Launch list")
    const snippet = await code.inputValue()
    expect(snippet).toMatch(
      /<form class="poststack-signup" action="http:\/\/127\.0\.0\.1:\d+\/signup-forms\/sf_[0-9a-f]{24}\/submit"/
    )
    expect(snippet).toContain('name="first_name"')
    await card.getByRole("button", { name: "Copy snippet" }).click()
    await card.getByRole("button", { name: "Copied" }).waitFor()
    expect(await page.evaluate("navigator.clipboard.readText()")).toBe(snippet)
    await page.screenshot({ path: screenshotPath("dash-signup-forms.png"), fullPage: true })

    // Pasted into a page on another origin, the snippet posts across origins (a CORS preflight).
    const site = await customerSite(snippet)
    try {
      const visitor = await chromium.newPage()
      watch(visitor)
      await visitor.goto(site.url)
      await visitor.getByLabel("Email").fill("Visitor@People.test")
      await visitor.getByLabel("First name").fill("Vic")
      await visitor.getByRole("button", { name: "Subscribe" }).click()
      await visitor.getByRole("status").getByText("Almost there: check your inbox.").waitFor()
      await visitor.close()
    } finally {
      await site.close()
    }
    const pending = await query<{ email: string; first_name: string }>(
      world.db.url,
      "SELECT email, first_name FROM signup_submissions"
    )
    expect(pending).toEqual([{ email: "Visitor@people.test", first_name: "Vic" }])
    await mailTo(world.sink, "Visitor@people.test", /confirm your subscription/i, seen)

    // Edited to inactive: the list says so, and the form takes no more submissions.
    await page.reload()
    await card.getByText("1 submission").waitFor()
    await card.getByRole("button", { name: "Edit" }).click()
    await card.getByLabel("Active: accepts submissions").uncheck()
    await card.getByRole("button", { name: "Save changes" }).click()
    await card.getByText("Inactive", { exact: true }).waitFor()
    const formId = /signup-forms\/(sf_[0-9a-f]{24})\/submit/.exec(snippet)?.[1]
    const refused = await fetch(url(`/signup-forms/${formId}/submit`), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: "late@people.test" })
    })
    expect(refused.status).toBe(404)

    await card.getByRole("button", { name: "Delete" }).click()
    await page.getByText("No signup forms yet.").waitFor()
    expect(problems).toEqual([])
    await context.close()
  })
})
