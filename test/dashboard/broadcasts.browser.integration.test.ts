import type { Browser as Chromium } from "playwright-core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { DIST } from "../../apps/dashboard/scripts/ensureBuilt.mjs"
import { Browser, signUpVerified } from "../accounts/browser.js"
import { type AccountsWorld, startAccountsWorld } from "../accounts/harness.js"
import { query } from "../support/database.js"
import { addVerifiedDomain } from "../support/domains.js"
import { sdk } from "../support/sdkClient.js"
import { launchChromium } from "./chromium.js"
import { signInAndOpen, watchForProblems } from "./signIn.js"
import { screenshotPath } from "../support/screenshots.js"

const PASSWORD = "correct horse battery staple"
const EMAIL = "bea@people.test"
const READERS = ["rita", "rob", "ruth"].map((n) => `${n}@people.test`)

/** Broadcasts in the dashboard, in headless Chromium against the real server and a worker. */
describe("broadcasts in the dashboard", () => {
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
  }, 120_000)
  afterAll(async () => {
    await chromium?.close()
    await world?.close()
  })
  const received = (to: string, subject: RegExp) =>
    world.sink.received.filter((m) => m.to.includes(to) && subject.test(m.raw.toString("utf8"))).length

  it("composes, sends to a small segment and follows its progress, tests, sets up an A/B test, and cancels a scheduled one", async () => {
    if (chromium === undefined) throw noChromium
    const api = new Browser(world.server.baseUrl)
    await signUpVerified(api, world.sink, EMAIL, PASSWORD)
    // The team's own setup, through the API: a sending domain, three readers in a segment, a topic.
    const key = String(
      (await api.call("POST", "/api-keys", { name: "setup", permission: "full_access" })).body.key
    )
    await addVerifiedDomain(world.server.baseUrl, key, world.dns, "shop.test")
    const client = sdk(key, { baseUrl: world.server.baseUrl })
    const ids: Array<string> = []
    for (const email of READERS)
      ids.push((await client.contacts.create({ email, first_name: email.slice(0, 4) })).contact.publicId)
    const segment = (await client.segments.create({ name: "Readers" })).segment.publicId
    await client.segments.addContacts(segment, ids)

    const context = await chromium.newContext({ viewport: { width: 1200, height: 900 } })
    const page = await context.newPage()
    page.setDefaultTimeout(15_000)
    watchForProblems(page, problems, /status of 40[13]/)
    try {
      await signInAndOpen(page, world.server.baseUrl, { email: EMAIL, password: PASSWORD }, "Broadcasts")
      await page.getByText("No broadcasts yet").waitFor()

      // Compose a draft to the segment, its body reading each reader's first name.
      const compose = page.getByRole("form", { name: "Compose a broadcast" })
      await compose.getByLabel("From", { exact: true }).fill("Shop <news@shop.test>")
      await compose.getByLabel("Segment").selectOption({ label: "Readers (3 contacts)" })
      await compose.getByLabel("Subject", { exact: true }).fill("Spring news")
      await compose.getByLabel("HTML body").fill("<p>Hello {{ contact.first_name }}</p>")
      // The form says how a reader leaves from the mail itself: nothing adds that link for you.
      await compose.getByText("{{unsubscribe_url}} in a link lets them leave from the mail itself").waitFor()
      await compose.getByRole("button", { name: "Save draft" }).click()
      const detail = page.getByRole("region", { name: "Broadcast Spring news" })
      await detail.getByText("draft", { exact: true }).waitFor()
      await page.getByRole("row", { name: /Spring news draft/ }).waitFor()
      // The audience by the names the team gave it, not by ids.
      await detail.getByText("to segment “Readers”.").waitFor()
      // The actions and the chart's heading below them stand apart.
      const sendNow = await detail.getByRole("button", { name: "Send now" }).boundingBox()
      const chart = await detail.getByRole("heading", { name: "Opens and clicks by hour" }).boundingBox()
      expect((chart?.y ?? 0) - ((sendNow?.y ?? 0) + (sendNow?.height ?? 0))).toBeGreaterThanOrEqual(12)
      // On a phone the list scrolls inside its frame: the page is no wider than the screen.
      await page.setViewportSize({ width: 420, height: 900 })
      expect(await page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")).toBe(true)
      await page.setViewportSize({ width: 1200, height: 900 })

      // A test to one address leaves the broadcast a draft.
      await detail.getByLabel("Send a test to").fill("tester@people.test")
      await detail.getByRole("button", { name: "Send test" }).click()
      await detail.getByText("Test sent to tester@people.test.").waitFor()
      await expect
        .poll(() => received("tester@people.test", /\[Test\] Spring news/), { timeout: 20_000 })
        .toBe(1)

      // Sent: the counters move on their own as the worker expands and delivers.
      await detail.getByRole("button", { name: "Send now" }).click()
      await expect
        .poll(() => detail.getByTestId("count-recipients").textContent(), { timeout: 30_000 })
        .toBe("3")
      await expect
        .poll(() => detail.getByTestId("count-delivered").textContent(), { timeout: 30_000 })
        .toBe("3")
      await detail.getByText("sent", { exact: true }).waitFor()
      for (const reader of READERS) expect(received(reader, /Spring news/)).toBe(1)
      expect(world.sink.received.find((m) => m.to.includes("rob@people.test"))?.raw.toString()).toContain(
        "Hello rob"
      )

      // Two readers open it (as their mail client's pixel would be recorded) and one clicks: the
      // counters and the hourly chart show it on the next read.
      await query(
        world.db.url,
        `INSERT INTO email_events (email_id, event_type)
         SELECT e.id, x.t FROM emails e
         JOIN (VALUES ('rita@people.test', 'opened'), ('rob@people.test', 'opened'), ('rita@people.test', 'clicked'))
           AS x(address, t) ON e.to_addresses[1] = x.address
         WHERE e.broadcast_id IS NOT NULL`
      )
      await page.getByRole("link", { name: "Segments" }).click()
      await page.getByRole("link", { name: "Broadcasts" }).click()
      await page.getByRole("button", { name: "Spring news" }).click()
      await expect.poll(() => detail.getByTestId("count-opened").textContent()).toBe("2")
      expect(await detail.getByTestId("count-clicked").textContent()).toBe("1")
      expect(await detail.locator("svg.engagement-chart rect.bar-opened").count()).toBeGreaterThan(0)
      await page.screenshot({ path: screenshotPath("dash-broadcasts-sent.png"), fullPage: true })

      // An A/B test set up in the form: three variants, weights kept at 100.
      await compose.getByLabel("From", { exact: true }).fill("news@shop.test")
      await compose.getByLabel("Subject", { exact: true }).fill("Which subject wins")
      await compose.getByLabel("HTML body").fill("<p>Pick one</p>")
      await compose.getByLabel("Run an A/B test").check()
      await compose.getByRole("button", { name: "Add a variant" }).click()
      await compose.getByText("Weights add up to 100 %").waitFor()
      await compose.getByLabel("Variant A subject").fill("Short")
      await compose.getByLabel("Variant B subject").fill("A longer subject")
      await compose.getByLabel("Variant C subject").fill("Third")
      await compose.getByLabel("Test sample (%)").fill("30")
      await page.screenshot({ path: screenshotPath("dash-broadcasts-ab.png"), fullPage: true })
      await compose.getByRole("button", { name: "Save draft" }).click()
      await page.getByRole("row", { name: /Which subject wins A\/B draft/ }).waitFor()
      const [ab] = await query<{ n: number; weights: string }>(
        world.db.url,
        `SELECT count(*)::int AS n, string_agg(weight::text, ',' ORDER BY position) AS weights
         FROM broadcast_variants v JOIN broadcasts b ON b.id = v.broadcast_id WHERE b.subject = 'Which subject wins'`
      )
      expect(ab).toEqual({ n: 3, weights: "34,33,33" })

      // Scheduled for tomorrow: queued with its time, then cancelled before it goes.
      const tomorrow = new Date(Date.now() + 86_400_000)
      const local = new Date(tomorrow.getTime() - tomorrow.getTimezoneOffset() * 60_000)
        .toISOString()
        .slice(0, 16)
      await compose.getByLabel("Run an A/B test").uncheck()
      await compose.getByLabel("Subject", { exact: true }).fill("Later news")
      await compose.getByLabel(/Send at/).fill(local)
      await compose.getByRole("button", { name: "Schedule" }).click()
      const later = page.getByRole("region", { name: "Broadcast Later news" })
      await later.getByText("queued", { exact: true }).waitFor()
      await later.getByText(/Scheduled for/).waitFor()
      await later.getByRole("button", { name: "Cancel broadcast" }).click()
      await later.getByText("cancelled", { exact: true }).waitFor()
      await page.getByRole("row", { name: /Later news cancelled/ }).waitFor()
      await page.screenshot({ path: screenshotPath("dash-broadcasts.png"), fullPage: true })
      const [row] = await query<{ status: string; n: number }>(
        world.db.url,
        `SELECT b.status, (SELECT count(*)::int FROM emails e WHERE e.broadcast_id = b.id) AS n
         FROM broadcasts b WHERE subject = 'Later news'`
      )
      expect(row).toEqual({ status: "cancelled", n: 0 })
      expect(problems).toEqual([])
    } catch (error) {
      await page.screenshot({ path: screenshotPath("dash-broadcasts-failed.png"), fullPage: true })
      throw new Error(`${String(error)}\n${problems.join("\n")}`)
    }
    await context.close()
  }, 150_000)
})
