import { Redacted } from "effect"
import { SavePlan, VerifyPersonLocally } from "@poststack/application"
import { Plan, PlanId } from "@poststack/domain"
import type { Browser as Chromium } from "playwright-core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { DIST } from "../../apps/dashboard/scripts/ensureBuilt.mjs"
import { Browser } from "../accounts/browser.js"
import { launchChromium } from "../dashboard/chromium.js"
import { createTestDatabase, query } from "../support/database.js"
import { type FakeStripe, startFakeStripe } from "../support/fakeStripe.js"
import { startTestServer, type TestServer } from "../support/server.js"
import { type OperatorRuntime, operatorRuntime, run } from "./support.js"
import { screenshotPath } from "../support/screenshots.js"

const EMAIL = "owner@billing.test"
const PASSWORD = "correct horse battery staple"

describe("the billing page in a browser", () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>
  let stripe: FakeStripe
  let server: TestServer
  let operator: OperatorRuntime
  let chromium: Chromium | undefined
  let noChromium: unknown

  beforeAll(async () => {
    chromium = await launchChromium().catch((error: unknown) => {
      noChromium = error
      return undefined
    })
    db = await createTestDatabase()
    stripe = await startFakeStripe()
    server = await startTestServer({
      databaseUrl: db.url,
      dashboardDir: DIST,
      stripe: {
        secretKey: Redacted.make(stripe.secretKey),
        webhookSecret: Redacted.make(stripe.webhookSecret),
        apiUrl: stripe.url,
        overageMeter: "poststack_overage_emails",
        timeoutMs: 5_000
      }
    })
    await server.bootstrap()
    operator = operatorRuntime(db.url)
    await run(
      operator,
      SavePlan(
        Plan.make({
          id: PlanId.make("pro"),
          name: "Pro",
          monthlyLimit: 50_000,
          dailyLimit: 5_000,
          retentionDays: 60,
          overageCentsPer1000: 90,
          stripePriceId: "price_pro"
        })
      )
    )
  })
  afterAll(async () => {
    await chromium?.close()
    await operator?.dispose()
    await server?.close()
    await stripe?.close()
    await db?.drop()
  })

  it("shows usage by day against the plan, and sends the owner to Checkout and the Portal", async () => {
    if (chromium === undefined) throw noChromium
    const api = new Browser(server.baseUrl)
    expect(
      (await api.call("POST", "/auth/sign-up", { email: EMAIL, password: PASSWORD, name: "Olive" })).status
    ).toBe(202)
    await run(operator, VerifyPersonLocally(EMAIL))
    await api.signIn(EMAIL, PASSWORD)
    const [membership] = await query<{ team_id: number }>(
      db.url,
      "SELECT m.team_id FROM memberships m JOIN users u ON u.id = m.user_id WHERE u.email = $1",
      [EMAIL]
    )
    const teamId = membership?.team_id
    // Three days of use, as the triggers count it: yesterday 40 live and 5 test, today 12.
    const today = new Date().toISOString().slice(0, 10)
    const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10)
    await query(
      db.url,
      `INSERT INTO usage_daily (team_id, day, test_mode, metric, count) VALUES
        ($1, $2, false, 'accepted', 40), ($1, $2, false, 'delivered', 39), ($1, $2, false, 'bounced', 1),
        ($1, $2, true, 'accepted', 5), ($1, $3, false, 'accepted', 12)`,
      [teamId, yesterday, today]
    )

    const context = await chromium.newContext({ viewport: { width: 1200, height: 820 } })
    const page = await context.newPage()
    const problems: Array<string> = []
    page.on("pageerror", (error) => problems.push(error.message))
    // The provider's pages are not on loopback: the browser is stopped at the door, and the address noted.
    const leftFor: Array<string> = []
    await page.route(/stripe\.test/, (route) => {
      leftFor.push(route.request().url())
      return route.fulfill({ status: 200, contentType: "text/html", body: "<h1>Stripe</h1>" })
    })
    await page.goto(`${server.baseUrl}/sign-in`)
    await page.getByLabel("Email").fill(EMAIL)
    await page.getByLabel("Password").fill(PASSWORD)
    await page.getByRole("button", { name: "Sign in" }).click()
    await page.waitForURL(/\/app\//)
    await page.getByRole("link", { name: "Billing" }).click()
    await page.getByRole("heading", { name: "Billing", level: 1 }).waitFor()
    expect(await page.getByTestId("plan-name").textContent()).toBe("Unlimited")
    expect(await page.getByTestId("month-usage").textContent()).toContain(
      new Date().getUTCDate() === 1 ? "12 of no limit" : "52 of no limit"
    )
    expect(await page.getByTestId("today-usage").textContent()).toBe("12 of no limit")
    const chart = page.getByRole("img", { name: /Emails per day, last 30 days/ })
    await chart.waitFor()
    expect(await chart.locator("g[data-day]").count()).toBe(30)
    expect(await chart.locator(`g[data-day="${yesterday}"] rect.bar-live title`).textContent()).toBe(
      `${yesterday}: 40 sent live, 39 delivered, 1 bounced; 5 in test mode`
    )
    await page.screenshot({ path: screenshotPath("billing-page.png"), fullPage: true })

    await page.getByRole("button", { name: "Choose Pro" }).click()
    await page.waitForURL(/checkout\.stripe\.test/)
    expect(leftFor[0]).toMatch(/^https:\/\/checkout\.stripe\.test\/c\/pay\/cs_test_\w+\?price=price_pro$/)

    // Back from Checkout, with a customer now: the Portal button takes the owner to their invoices.
    await page.goto(`${server.baseUrl}/app/billing`)
    await page.getByRole("button", { name: "Manage cards and invoices" }).click()
    await page.waitForURL(/billing\.stripe\.test/)
    expect(leftFor[1]).toMatch(/^https:\/\/billing\.stripe\.test\/p\/session\/cus_\w+$/)
    expect(problems).toEqual([])
    await context.close()
  }, 60_000)
})
