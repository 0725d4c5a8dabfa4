import type { Browser as Chromium, Page } from "playwright-core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { DIST } from "../../apps/dashboard/scripts/ensureBuilt.mjs"
import { Browser, signUpVerified } from "../accounts/browser.js"
import { type AccountsWorld, startAccountsWorld } from "../accounts/harness.js"
import { query } from "../support/database.js"
import { addVerifiedDomain } from "../support/domains.js"
import { screenshotPath } from "../support/screenshots.js"
import { launchChromium } from "./chromium.js"
import { signInAndOpen, watchForProblems } from "./signIn.js"

const PASSWORD = "correct horse battery staple"
const EMAIL = "erin@people.test"
const ZONE = "Europe/Paris"
/** A subject and a body that would act on the dashboard if either were ever read as markup. */
const HOSTILE_SUBJECT = `<img src=x onerror="document.title='pwned'"> Hi & <b>bold</b>`
const HOSTILE_HTML = `<h1>Hostile</h1>
<script>document.body.setAttribute("data-ran", "script"); top.document.title = "pwned"</script>
<img src="x" onerror="document.body.setAttribute('data-ran', 'onerror'); top.document.title = 'pwned'">
<form action="https://evil.test/steal"><input name="q"><button>Go</button></form>
<a id="away" href="http://127.0.0.1:9/away">away</a>`

/** `date` as `timeZone`'s wall clock reads it, `YYYY-MM-DD HH:MM`. */
const wallClock = (date: Date, timeZone: string) =>
  new Intl.DateTimeFormat("sv-SE", {
    timeZone,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit"
  }).format(date)

/** The Emails pages, in headless Chromium against the real server and a worker delivering to a sink. */
describe("emails in the dashboard", () => {
  let world: AccountsWorld
  let chromium: Chromium | undefined
  let noChromium: unknown
  const problems: Array<string> = []
  const blocked: Array<string> = []

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

  const rows = (page: Page) => page.locator("table.email-list tbody tr")
  /**
   * The whole page, on a window as tall as it: Chromium does not paint a sandboxed (cross-origin)
   * frame that lies outside the window, so a full-page capture of a short window shows the email's
   * frame empty.
   */
  const shot = async (page: Page, name: string) => {
    const size = page.viewportSize() ?? { width: 1280, height: 900 }
    const height = await page.evaluate<number>("document.documentElement.scrollHeight")
    await page.setViewportSize({ width: size.width, height: Math.max(size.height, height) })
    await page.waitForTimeout(300)
    await page.screenshot({ path: screenshotPath(name), fullPage: true })
    await page.setViewportSize(size)
  }

  it("lists sent mail with its statuses, filters it, shows one email's events and sandboxed HTML, reschedules and cancels a scheduled one", async () => {
    if (chromium === undefined) throw noChromium
    const base = world.server.baseUrl
    const api = new Browser(base)
    await signUpVerified(api, world.sink, EMAIL, PASSWORD)
    // The person's dates are Paris's; the browser's clock is New York's: the pages follow the account.
    expect((await api.call("PATCH", "/account", { time_zone: ZONE })).status).toBe(200)

    const context = await chromium.newContext({
      viewport: { width: 1280, height: 900 },
      timezoneId: "America/New_York"
    })
    const page = await context.newPage()
    page.setDefaultTimeout(15_000)
    // The sandboxed frame refusing the hostile email's scripts is expected, and counted apart.
    page.on("console", (message) => {
      if (/Blocked script execution in 'about:srcdoc'/.test(message.text())) blocked.push(message.text())
    })
    watchForProblems(
      page,
      problems,
      /status of 4(0[13]|22)|Blocked script execution in 'about:srcdoc'|Blocked opening/
    )
    const dialogs: Array<string> = []
    page.on("dialog", (dialog) => {
      dialogs.push(dialog.message())
      void dialog.dismiss()
    })
    try {
      // Sign-in still lands on the keys; Emails leads the navigation, and is empty with a way to start.
      await signInAndOpen(page, base, { email: EMAIL, password: PASSWORD }, "Emails")
      expect(await page.locator("nav[aria-label=Dashboard] a").first().textContent()).toBe("Emails")
      const start = page.getByRole("region", { name: "Send your first email" })
      await start.waitFor()
      const snippet = (await start.getByTestId("first-email-snippet").textContent()) ?? ""
      expect(snippet).toContain(`curl -X POST ${base}/emails`)
      expect(snippet).toContain("Authorization: Bearer YOUR_API_KEY")
      expect(snippet).toContain(EMAIL)
      await shot(page, "dash-emails-empty.png")

      // A key made on the keys page, as the empty page says; the session itself may not send.
      await start.getByRole("link", { name: "Create an API key" }).click()
      await page.getByLabel("Name").fill("Mailer")
      await page.getByLabel("Permission").selectOption("full_access")
      await page.getByRole("button", { name: "Create key" }).click()
      const key =
        (await page.getByRole("region", { name: "Your new API key" }).getByLabel("API key").textContent()) ??
        ""
      expect(key).toMatch(/^sk_live_/)
      await page.getByRole("button", { name: "I have saved it" }).click()
      const bySession = await api.call("POST", "/emails", {
        from: "a@shop.test",
        to: "b@people.test",
        subject: "x"
      })
      expect(bySession.status).toBe(403)

      await addVerifiedDomain(base, key, world.dns, "shop.test")
      world.sink.replies.set("gone@people.test", "550 5.1.1 no such user here")
      const send = async (body: Record<string, unknown>) => {
        const res = await fetch(`${base}/emails`, {
          method: "POST",
          headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
          body: JSON.stringify({ from: "Shop <hello@shop.test>", ...body })
        })
        const answer = (await res.json()) as { id: string }
        expect(res.status, JSON.stringify(answer)).toBe(202)
        return answer.id
      }
      const receipt = await send({
        to: ["dana@people.test"],
        cc: ["carl@people.test"],
        reply_to: "help@shop.test",
        subject: "Your receipt #1001",
        html: "<h1>Thanks, Dana</h1><p>Your receipt is attached.</p>",
        text: "Thanks, Dana. Your receipt is attached.",
        tags: ["receipt"]
      })
      const bounced = await send({
        to: "gone@people.test",
        subject: "Welcome aboard",
        html: "<p>Welcome</p>"
      })
      const later = await send({
        to: "sam@people.test",
        subject: "See you tomorrow",
        html: "<p>Tomorrow</p>",
        tags: ["reminder"],
        scheduled_at: new Date(Date.now() + 86_400_000).toISOString()
      })
      const hostile = await send({ to: "hal@people.test", subject: HOSTILE_SUBJECT, html: HOSTILE_HTML })
      const got = (to: string) => world.sink.received.some((m) => m.to.includes(to))
      await expect
        .poll(() => ["dana", "carl", "hal"].every((n) => got(`${n}@people.test`)), { timeout: 20_000 })
        .toBe(true)

      // The log, newest first, each status as a badge; the list reads itself again while mail moves.
      await page.getByRole("link", { name: "Emails" }).click()
      await page.getByRole("heading", { name: "Emails", level: 1 }).waitFor()
      const row = (pattern: RegExp) => page.getByRole("row", { name: pattern })
      await row(/dana@people\.test.*Your receipt #1001.*delivered.*hello@shop\.test/).waitFor({
        timeout: 30_000
      })
      await row(/gone@people\.test.*Welcome aboard.*bounced/).waitFor({ timeout: 30_000 })
      await row(/sam@people\.test.*See you tomorrow.*scheduled.*for /).waitFor()
      await row(/hal@people\.test.*delivered/).waitFor({ timeout: 30_000 })
      expect(await rows(page).count()).toBe(4)
      expect(await rows(page).first().textContent()).toContain("hal@people.test")
      // The hostile subject is text, never markup.
      await page.getByRole("cell", { name: HOSTILE_SUBJECT }).waitFor()
      expect(await page.locator("table.email-list img, table.email-list b").count()).toBe(0)
      await page.getByText("Page 1 of 1 (4 in all)").waitFor()
      await shot(page, "dash-emails.png")
      // On a phone each email is a stack of its lines: the recipient, the sender and the time are
      // read whole, not cut to "da…" in a fifth of 390 pixels, and nothing reaches past the edge.
      await page.setViewportSize({ width: 390, height: 900 })
      const clipped = await page.evaluate<Array<string>>(`[...document.querySelectorAll(
        "table.email-list tbody th, table.email-list tbody td")]
        .filter((e) => e.scrollWidth > e.clientWidth + 1 || e.getBoundingClientRect().right > window.innerWidth + 1)
        .map((e) => e.textContent)`)
      expect(clipped).toEqual([])
      await shot(page, "dash-emails-narrow.png")
      await page.setViewportSize({ width: 1280, height: 900 })

      // Filters, each the API's own, kept in the address.
      await page.getByLabel("Status").selectOption("delivered")
      await expect.poll(() => rows(page).count()).toBe(2)
      expect(page.url()).toContain("status=delivered")
      await page.getByLabel("Recipient").fill("dana")
      await expect.poll(() => rows(page).count()).toBe(1)
      await page.getByRole("button", { name: "Clear filters" }).click()
      await page.getByLabel("Tag").fill("reminder")
      await expect.poll(() => rows(page).count()).toBe(1)
      await row(/sam@people\.test/).waitFor()
      await page.getByLabel("Tag").fill("")
      await page.getByLabel("Subject").fill("receipt")
      await expect.poll(() => rows(page).count()).toBe(1)
      await page.getByLabel("Subject").fill("")
      // Days in the person's zone: nothing was sent up to yesterday; everything from today on.
      const today = wallClock(new Date(), ZONE).slice(0, 10)
      const yesterday = wallClock(new Date(Date.now() - 86_400_000), ZONE).slice(0, 10)
      await page.getByLabel("Sent until (day)").fill(yesterday)
      await page.getByText("No emails match these filters.").waitFor()
      await page.getByLabel("Sent until (day)").fill("")
      await page.getByLabel("Sent from (day)").fill(today)
      await expect.poll(() => rows(page).count()).toBe(4)
      await page.getByRole("button", { name: "Clear filters" }).click()
      await expect.poll(() => page.url()).toBe(`${base}/app/emails`)

      // The delivered one: envelope, each recipient's copy, the events, the HTML in a sandbox.
      await page.getByRole("link", { name: /dana@people\.test: Your receipt/ }).click()
      await page.waitForURL(`${base}/app/emails/${receipt}`)
      await page.getByRole("heading", { name: "Your receipt #1001", level: 1 }).waitFor()
      expect(await page.getByTestId("email-status").textContent()).toBe("delivered")
      const facts = page.getByRole("definition")
      await facts.filter({ hasText: "carl@people.test" }).waitFor()
      await facts.filter({ hasText: "help@shop.test" }).waitFor()
      await facts.filter({ hasText: "receipt" }).first().waitFor()
      for (const who of ["dana", "carl"])
        await page.getByRole("row", { name: new RegExp(`${who}@people\\.test.*delivered.*250`) }).waitFor()
      const events = page.getByRole("list", { name: "Events" })
      const labels = await events
        .locator("li")
        .evaluateAll((items) => items.map((li) => li.getAttribute("data-event")))
      expect(labels[0]).toBe("queued")
      expect(labels.filter((l) => l === "sent")).toHaveLength(2)
      expect(labels.filter((l) => l === "delivered")).toHaveLength(2)
      const frame = page.locator('iframe[title="Email HTML"]')
      expect(await frame.getAttribute("sandbox")).toBe("")
      await page
        .frameLocator('iframe[title="Email HTML"]')
        .getByRole("heading", { name: "Thanks, Dana" })
        .waitFor()
      await page.getByRole("heading", { name: "Insights" }).waitFor()
      await shot(page, "dash-email-detail.png")
      await page.getByRole("tab", { name: "Plain text" }).click()
      await page.getByText("Thanks, Dana. Your receipt is attached.").waitFor()
      await page.getByRole("link", { name: "← All emails" }).click()
      await page.getByRole("heading", { name: "Emails", level: 1 }).waitFor()

      // The bounce, with the receiving server's reason.
      await page.getByRole("link", { name: /gone@people\.test/ }).click()
      await page.waitForURL(`${base}/app/emails/${bounced}`)
      await events.locator('li[data-event="bounced"]', { hasText: "550 5.1.1 no such user here" }).waitFor()
      await page.getByRole("row", { name: /gone@people\.test.*bounced.*550/ }).waitFor()

      // The hostile one: drawn, but no script of it ran and nothing reached the dashboard.
      await page.goto(`${base}/app/emails/${hostile}`)
      await page.getByRole("heading", { name: HOSTILE_SUBJECT, level: 1 }).waitFor()
      const hostileFrame = page.frameLocator('iframe[title="Email HTML"]')
      await hostileFrame.getByRole("heading", { name: "Hostile" }).waitFor()
      expect(await page.locator('iframe[title="Email HTML"]').getAttribute("sandbox")).toBe("")
      expect(await hostileFrame.locator("body").getAttribute("data-ran")).toBeNull()
      // A link in the email does nothing, rather than leaving an error page in the email's place.
      await hostileFrame.locator("#away").click()
      await page.waitForTimeout(300)
      expect(page.frames().map((f) => f.url())).toEqual([page.url(), "about:srcdoc"])
      await hostileFrame.getByRole("heading", { name: "Hostile" }).waitFor({ timeout: 2000 })
      expect(await page.title()).not.toBe("pwned")
      expect(await page.locator("main img").count()).toBe(0)
      expect(dialogs).toEqual([])
      expect(blocked.length).toBeGreaterThan(0)
      await shot(page, "dash-email-hostile.png")

      // The scheduled one: a time too far ahead is refused and said so; then moved, then cancelled.
      await page.goto(`${base}/app/emails/${later}`)
      await page.getByRole("heading", { name: "See you tomorrow", level: 1 }).waitFor()
      expect(await page.getByTestId("email-status").textContent()).toBe("scheduled")
      const schedule = page.getByRole("region", { name: "Schedule" })
      const day = (ms: number) => wallClock(new Date(Date.now() + ms), ZONE).slice(0, 10)
      await schedule.getByLabel(`New send time (${ZONE})`).fill(`${day(40 * 86_400_000)}T09:30`)
      await schedule.getByRole("button", { name: "Reschedule…" }).click()
      await schedule.getByRole("alertdialog").getByRole("button", { name: "Yes, reschedule" }).click()
      await schedule.getByRole("alert").filter({ hasText: "within 30 days" }).waitFor()
      const moved = `${day(2 * 86_400_000)}T09:30`
      await schedule.getByLabel(`New send time (${ZONE})`).fill(moved)
      await schedule.getByRole("button", { name: "Reschedule…" }).click()
      const confirm = schedule.getByRole("alertdialog")
      expect(await confirm.textContent()).toMatch(/instead\?.*Nothing is sent before then/)
      await confirm.getByRole("button", { name: "Yes, reschedule" }).click()
      await page.getByText(/^Rescheduled for /).waitFor()
      await events.locator('li[data-event="rescheduled"]').waitFor()
      const [stored] = await query<{ scheduled_at: Date }>(
        world.db.url,
        "SELECT scheduled_at FROM emails WHERE public_id = $1",
        [later]
      )
      expect(wallClock(stored?.scheduled_at ?? new Date(0), ZONE)).toBe(moved.replace("T", " "))
      await shot(page, "dash-email-scheduled.png")

      await schedule.getByRole("button", { name: "Cancel email…" }).click()
      await schedule.getByRole("alertdialog").getByRole("button", { name: "Yes, cancel it" }).click()
      await page.getByText("Cancelled: this email will not be sent.").waitFor()
      await expect.poll(() => page.getByTestId("email-status").textContent()).toBe("cancelled")
      await events.locator('li[data-event="cancelled"]').waitFor()
      expect(await page.getByRole("region", { name: "Schedule" }).count()).toBe(0)
      await page.getByRole("link", { name: "← All emails" }).click()
      await row(/sam@people\.test.*See you tomorrow.*cancelled/).waitFor()
      expect(world.sink.received.some((m) => m.to.includes("sam@people.test"))).toBe(false)
      expect(problems).toEqual([])
    } catch (error) {
      await page.screenshot({ path: screenshotPath("dash-emails-failed.png"), fullPage: true })
      throw new Error(`${String(error)}\n${problems.join("\n")}`)
    }
    await context.close()
  }, 150_000)
})
