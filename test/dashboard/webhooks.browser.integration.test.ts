import type { Browser as Chromium, Page } from "playwright-core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { DIST } from "../../apps/dashboard/scripts/ensureBuilt.mjs"
import { Browser, signUpVerified } from "../accounts/browser.js"
import { type AccountsWorld, startAccountsWorld } from "../accounts/harness.js"
import { screenshotPath } from "../support/screenshots.js"
import {
  eventually,
  type ReceivedWebhook,
  startWebhookReceiver,
  verifyPostStackSignature,
  verifyStandard,
  type WebhookReceiver
} from "../support/webhookReceiver.js"
import { type ChatPlatforms, startChatPlatforms } from "../support/chatPlatforms.js"
import { launchChromium } from "./chromium.js"
import { signInAndOpen, watchForProblems } from "./signIn.js"

const PASSWORD = "correct horse battery staple"
const EMAIL = "wanda.webhooks@people.test"
/** Both sent by the page's user and answered by a stranger's server: each must stay text. */
const HOSTILE = `<img src=x onerror="window.__pwned=1"></script><script>window.__pwned=1</script>`
/** The server's test transport and the worker's both may reach the loopback receiver. */
const loopback = { allowLoopback: true, timeoutMs: 3_000 }

const envelope = (r: ReceivedWebhook) => JSON.parse(r.body) as { id: string; type: string }
const signature = (r: ReceivedWebhook) => String(r.headers["x-poststack-signature"])

/** The log's rows (the header row left out), each as its text. */
const logRows = async (page: Page) =>
  (
    await page.getByRole("table", { name: "Deliveries, newest first" }).locator("tbody tr").allTextContents()
  ).map((row) => row.trim())

/** Webhooks in the dashboard, in headless Chromium against the real server, a worker and a receiver. */
describe("webhooks in the dashboard", () => {
  let world: AccountsWorld
  let receiver: WebhookReceiver
  let chat: ChatPlatforms
  let chromium: Chromium | undefined
  let noChromium: unknown
  const problems: Array<string> = []
  const dialogs: Array<string> = []

  /** A wide window whose page errors and dialogs are collected for the end of each test. */
  const openWatched = async (browser: Chromium) => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
    const page = await context.newPage()
    page.setDefaultTimeout(15_000)
    watchForProblems(page, problems, /status of 4\d\d/)
    page.on("dialog", (dialog) => {
      dialogs.push(dialog.message())
      void dialog.dismiss()
    })
    return { context, page }
  }

  beforeAll(async () => {
    chromium = await launchChromium().catch((error: unknown) => {
      noChromium = error
      return undefined
    })
    receiver = await startWebhookReceiver()
    chat = await startChatPlatforms()
    world = await startAccountsWorld({ dashboardDir: DIST, webhooks: loopback }, loopback)
  }, 120_000)
  afterAll(async () => {
    await chromium?.close()
    await world?.close()
    await receiver?.close()
    await chat?.close()
  })

  it("adds an endpoint, tests it signed, edits it, rotates its secret, replays failures and deletes it", async () => {
    if (chromium === undefined) throw noChromium
    const api = new Browser(world.server.baseUrl)
    await signUpVerified(api, world.sink, EMAIL, PASSWORD)
    // A URL whose query carries markup: the page shows it as typed; on the wire it arrives encoded.
    const url = receiver.url(`/hook?tag=${HOSTILE}`)
    const wire = new URL(url)
    const path = wire.pathname + wire.search
    const hits = () => receiver.at(path)

    const { context, page } = await openWatched(chromium)
    try {
      await signInAndOpen(page, world.server.baseUrl, { email: EMAIL, password: PASSWORD }, "Webhooks")
      await page.getByText("No endpoints yet").waitFor()
      await page.getByRole("button", { name: "Add an endpoint" }).click()

      // No event picked: refused on the page, with a sentence, before any request.
      const form = page.getByRole("form", { name: "Add an endpoint" })
      await form.getByLabel("Endpoint URL").fill(url)
      await form.getByLabel("Description (optional)").fill(HOSTILE)
      await form.getByRole("button", { name: "Add endpoint" }).click()
      expect(await form.getByRole("alert").textContent()).toContain("Pick at least one event, or All events.")

      // The whole email family but opens, and one domain event.
      await form.getByRole("checkbox", { name: /^Email \(all \d+\)$/ }).check()
      await form.getByRole("checkbox", { name: "email.opened", exact: true }).uncheck()
      expect(await form.getByRole("checkbox", { name: /^Email \(all \d+\)$/ }).isChecked()).toBe(false)
      await form.getByRole("checkbox", { name: "domain.verified", exact: true }).check()
      await page.screenshot({ path: screenshotPath("dash-webhooks-create.png"), fullPage: true })
      // An address webhooks may not reach: the server's own words and code, above the fields.
      await form.getByLabel("Endpoint URL").fill("http://169.254.169.254/latest/meta-data")
      await form.getByRole("button", { name: "Add endpoint" }).click()
      const refusal = form.getByRole("alert")
      await refusal.getByText("Code: unprocessable_entity").waitFor()
      expect(await refusal.textContent()).toContain("points to a metadata address (169.254.169.254)")
      await form.getByLabel("Endpoint URL").fill(url)
      await form.getByRole("button", { name: "Add endpoint" }).click()

      const firstSecret = (await page.getByLabel("Signing secret", { exact: true }).textContent()) ?? ""
      expect(firstSecret).toMatch(/^whsec_[A-Za-z0-9+/=]{40,}$/)
      await page.getByRole("button", { name: "Copy secret" }).waitFor()
      await page.screenshot({ path: screenshotPath("dash-webhooks-secret.png"), fullPage: true })
      await page.getByRole("button", { name: "I have saved it" }).click()
      expect(await page.locator("body").textContent()).not.toContain(firstSecret)

      const [stored] = (await api.call("GET", "/webhooks")).body.webhooks as Array<{
        id: number
        url: string
        description: string
        events: Array<string>
      }>
      expect(stored?.url).toBe(url)
      expect(stored?.description).toBe(HOSTILE)
      expect(stored?.events).toContain("email.delivered")
      expect(stored?.events).toContain("domain.verified")
      expect(stored?.events).not.toContain("email.opened")

      // The endpoint opened: its name is the hostile description, shown as text.
      await page.getByRole("button", { name: `Open ${HOSTILE}` }).click()
      const detail = page.locator("section.webhook-detail")
      const log = page.getByRole("table", { name: "Deliveries, newest first" })
      expect(await detail.getByRole("heading", { level: 2 }).textContent()).toBe(HOSTILE)
      expect(await detail.getByText(url, { exact: true }).count()).toBe(1)
      await detail.getByText("No deliveries yet").waitFor()

      // A test event: delivered, signed with the secret shown once, and in the log.
      await detail.getByRole("button", { name: "Send test event" }).click()
      await detail.getByText(/^Test event delivered: your endpoint answered HTTP 200 in \d+ ms\.$/).waitFor()
      expect(hits()).toHaveLength(1)
      const [first] = hits()
      if (first === undefined) throw new Error("no request")
      expect(envelope(first).type).toBe("webhook.test")
      expect(verifyPostStackSignature(first.body, signature(first), firstSecret)).toBe(true)
      expect(verifyStandard(first, firstSecret)).toBe(true)
      await eventually(
        () => logRows(page),
        (rows) => rows.length === 1 && /^webhook\.testDelivered2001/.test(rows[0] ?? "")
      )

      // Edit: the email family off (its half-checked box selects it all, then none), a contact event on.
      await detail.getByRole("button", { name: "Edit" }).click()
      const edit = page.getByRole("form", { name: "Edit the endpoint" })
      const emailFamily = edit.getByRole("checkbox", { name: /^Email \(all \d+\)$/ })
      expect(
        await emailFamily.evaluate((box) => (box as unknown as { indeterminate: boolean }).indeterminate)
      ).toBe(true)
      await emailFamily.check()
      expect(await edit.getByRole("checkbox", { name: "email.opened", exact: true }).isChecked()).toBe(true)
      await emailFamily.uncheck()
      await edit.getByRole("checkbox", { name: "contact.created", exact: true }).check()
      await edit.screenshot({ path: screenshotPath("dash-webhooks-edit.png") })
      await edit.getByRole("button", { name: "Save changes" }).click()
      await edit.waitFor({ state: "detached" })
      await detail.getByText("domain.verified, contact.created", { exact: true }).waitFor()
      const edited = (await api.call("GET", `/webhooks/${stored?.id}`)).body.webhook as {
        events: Array<string>
      }
      expect(edited.events).toEqual(["domain.verified", "contact.created"])

      // Paused, then enabled again.
      await detail.getByRole("button", { name: "Pause" }).click()
      await detail.locator(".badge", { hasText: "Paused" }).waitFor()
      expect(
        ((await api.call("GET", `/webhooks/${stored?.id}`)).body.webhook as { active: boolean }).active
      ).toBe(false)
      await detail.getByRole("button", { name: "Enable" }).click()
      await detail.locator(".badge", { hasText: "Active" }).waitFor()

      // Rotate, behind a confirmation: a new secret shown once; both sign for the grace period.
      await detail.getByRole("button", { name: "Rotate secret…" }).click()
      const rotateDialog = page.getByRole("alertdialog", { name: "Rotate the signing secret?" })
      await rotateDialog.screenshot({ path: screenshotPath("dash-webhooks-rotate.png") })
      await rotateDialog.getByRole("button", { name: "Rotate secret" }).click()
      const secret = (await page.getByLabel("Signing secret", { exact: true }).textContent()) ?? ""
      expect(secret).toMatch(/^whsec_/)
      expect(secret).not.toBe(firstSecret)
      await page.getByText(/with the old secret too until/).waitFor()
      await page.getByRole("button", { name: "I have saved it" }).click()
      expect(await page.locator("body").textContent()).not.toContain(secret)
      await detail.getByRole("button", { name: "Send test event" }).click()
      await detail.getByText(/Test event delivered/).waitFor()
      const second = hits()[1]
      if (second === undefined) throw new Error("no second request")
      expect(signature(second).split(",")).toHaveLength(2)
      expect(verifyPostStackSignature(second.body, signature(second), secret)).toBe(true)
      expect(verifyPostStackSignature(second.body, signature(second).split(",")[0] ?? "", secret)).toBe(true)

      // The receiver fails, answering markup: the failure is shown, its body as text.
      receiver.on(path, (res) => res.writeHead(500, { "content-type": "text/html" }).end(HOSTILE))
      await detail.getByRole("button", { name: "Send test event" }).click()
      await detail
        .getByText(/^Test event not delivered: your endpoint answered HTTP 500 in \d+ ms\.$/)
        .waitFor()
      await detail.getByRole("button", { name: "Send test event" }).click()
      await eventually(
        () => logRows(page),
        (rows) => rows.length === 4 && rows.slice(0, 2).every((r) => /^webhook\.testFailed5001/.test(r))
      )
      const endpoints = page.getByRole("table", { name: "Webhook endpoints" })
      await endpoints.getByText("2 failed in a row").waitFor()
      await detail.getByText("The last 2 deliveries failed.", { exact: false }).waitFor()
      // The log shows one status at a time, as the API's ?status= reads it.
      const show = detail.getByLabel("Show", { exact: true })
      await show.selectOption({ label: "Failed" })
      await eventually(
        () => logRows(page),
        (rows) => rows.length === 2 && rows.every((r) => /^webhook\.testFailed5001/.test(r))
      )
      await show.selectOption({ label: "Succeeded" })
      await eventually(
        () => logRows(page),
        (rows) => rows.length === 2 && rows.every((r) => /^webhook\.testDelivered2001/.test(r))
      )
      await show.selectOption({ label: "Pending" })
      await detail.getByText("No pending deliveries.").waitFor()
      await show.selectOption({ label: "All" })
      await eventually(
        () => logRows(page),
        (rows) => rows.length === 4
      )
      const failedRow = () => log.getByRole("row").filter({ hasText: "Failed" }).first()
      await failedRow()
        .getByRole("button", { name: /^Details/ })
        .click()
      expect(await detail.locator("pre.payload").nth(1).textContent()).toBe(HOSTILE)
      await page.screenshot({ path: screenshotPath("dash-webhooks-failed.png"), fullPage: true })
      await failedRow()
        .getByRole("button", { name: /^Details/ })
        .click()

      // Fixed: one replayed by its row, the other by "Replay failed deliveries"; both arrive.
      receiver.on(path, 200)
      const failedIds = hits()
        .slice(2)
        .map((r) => envelope(r).id)
      expect(failedIds).toHaveLength(2)
      await failedRow()
        .getByRole("button", { name: /^Replay/ })
        .click()
      await detail.getByText(/is queued again/).waitFor()
      await eventually(
        () => logRows(page),
        (rows) =>
          rows.filter((r) => r.includes("Failed")).length === 1 &&
          !rows.some((r) => /Pending|Retrying/.test(r)),
        20_000
      )
      await detail.getByRole("button", { name: "Replay failed deliveries" }).click()
      await detail.getByText("1 failed delivery queued again.").waitFor()
      await eventually(
        () => logRows(page),
        (rows) => rows.length === 4 && rows.every((r) => r.includes("Delivered200")),
        20_000
      )
      // Healthy again: the list and the opened endpoint say so without a reload.
      await endpoints.getByText("OK (HTTP 200)").waitFor()
      expect(await detail.getByText("deliveries failed", { exact: false }).count()).toBe(0)
      const replayed = hits().slice(4)
      expect(replayed.map((r) => envelope(r).id).sort()).toEqual([...failedIds].sort())
      for (const r of replayed) expect(verifyPostStackSignature(r.body, signature(r), secret)).toBe(true)
      await page.screenshot({ path: screenshotPath("dash-webhooks.png"), fullPage: true })

      // Past 20 deliveries the log has pages: 17 more tests sent through the API, one from the page.
      for (let i = 0; i < 17; i++)
        expect((await api.call("POST", `/webhooks/${stored?.id}/test`)).status).toBe(200)
      await detail.getByRole("button", { name: "Send test event" }).click()
      const pager = page.getByRole("navigation", { name: "Delivery pages" })
      await pager.getByText("Page 1 of 2 (22 in all)").waitFor()
      expect(await logRows(page)).toHaveLength(20)
      await pager.getByRole("button", { name: "Older" }).click()
      await pager.getByText("Page 2 of 2 (22 in all)").waitFor()
      expect(await logRows(page)).toHaveLength(2)
      await pager.getByRole("button", { name: "Newer" }).click()
      await pager.getByText("Page 1 of 2 (22 in all)").waitFor()

      // A narrow window: nothing wider than the screen but the tables' own scroll.
      await page.setViewportSize({ width: 420, height: 900 })
      await page.screenshot({ path: screenshotPath("dash-webhooks-narrow.png"), fullPage: true })
      // The page's own content fits its column (the tables scroll inside their frame).
      expect(
        await page.evaluate(
          `[...document.querySelectorAll(".webhooks-page *")].filter((e) => !e.closest(".table-scroll")).every((e) => e.getBoundingClientRect().right <= document.querySelector("main").getBoundingClientRect().right)`
        )
      ).toBe(true)
      expect(
        await page.evaluate(
          `document.querySelector("main").scrollWidth <= document.querySelector("main").clientWidth`
        )
      ).toBe(true)
      await page.setViewportSize({ width: 1280, height: 900 })

      // Delete, behind a confirmation.
      await detail.getByRole("button", { name: "Delete…" }).click()
      await page
        .getByRole("alertdialog", { name: "Delete this endpoint?" })
        .getByRole("button", { name: "Delete endpoint" })
        .click()
      await page.getByText("No endpoints yet").waitFor()
      expect((await api.call("GET", "/webhooks")).body.webhooks).toEqual([])

      expect(await page.evaluate("typeof window.__pwned")).toBe("undefined")
      expect(dialogs).toEqual([])
      expect(problems).toEqual([])
    } catch (error) {
      await page.screenshot({ path: screenshotPath("dash-webhooks-failure.png"), fullPage: true })
      throw error
    } finally {
      await context.close()
    }
  }, 180_000)

  it("adds a Slack channel, tests it, sees a refusal as text, replays it and deletes the channel", async () => {
    if (chromium === undefined) throw noChromium
    const slack = chat.slackUrl("hook-secret-1")
    const slackPath = new URL(slack).pathname
    const { context, page } = await openWatched(chromium)
    try {
      await signInAndOpen(page, world.server.baseUrl, { email: EMAIL, password: PASSWORD }, "Webhooks")
      const section = page.getByRole("region", { name: "Notification channels" })
      await section.getByText("No channels yet").waitFor()
      await section.getByRole("button", { name: "Add a channel" }).click()
      const form = page.getByRole("form", { name: "Add a notification channel" })
      expect(await form.getByLabel("Where").inputValue()).toBe("slack")
      await form.getByLabel("Name").fill(HOSTILE)
      await form.getByLabel("Webhook URL").fill(slack)
      // Problems and inbound mail are picked for a newcomer.
      expect(await form.getByRole("checkbox", { name: "email.bounced", exact: true }).isChecked()).toBe(true)
      await form.getByRole("button", { name: "Add channel" }).click()
      await form.waitFor({ state: "detached" })
      // The URL is a secret: the page shows the server's masked summary, never the URL.
      expect(await page.locator("body").textContent()).not.toContain("hook-secret-1")

      const detail = page.locator("section.webhook-detail")
      expect(await detail.getByRole("heading", { level: 2 }).textContent()).toBe(HOSTILE)
      await detail.getByRole("button", { name: "Send test message" }).click()
      await detail.getByText("Test message delivered: Slack answered HTTP 200.").waitFor()
      expect(chat.at(slackPath)).toHaveLength(1)
      expect(JSON.stringify(chat.at(slackPath)[0]?.json)).toContain("connected to PostStack")

      chat.on(slackPath, (res) => res.writeHead(500, { "content-type": "text/html" }).end(HOSTILE))
      await detail.getByRole("button", { name: "Send test message" }).click()
      expect(await detail.getByRole("alert").textContent()).toBe(
        `Test message not delivered: Slack answered HTTP 500: ${HOSTILE}`
      )
      const log = page.getByRole("table", { name: "Channel deliveries, newest first" })
      await log.getByRole("row").filter({ hasText: "Failed" }).waitFor()
      // One status at a time.
      const channelRows = async () => (await log.locator("tbody tr").allTextContents()).map((r) => r.trim())
      const show = detail.getByLabel("Show", { exact: true })
      await show.selectOption({ label: "Failed" })
      await eventually(channelRows, (rows) => rows.length === 1 && rows[0]?.includes("Failed500") === true)
      await show.selectOption({ label: "Succeeded" })
      await eventually(channelRows, (rows) => rows.length === 1 && rows[0]?.includes("Delivered200") === true)
      await show.selectOption({ label: "All" })
      await eventually(channelRows, (rows) => rows.length === 2)

      chat.on(slackPath, undefined)
      await log
        .getByRole("row")
        .filter({ hasText: "Failed" })
        .getByRole("button", { name: /^Replay/ })
        .click()
      await detail.getByText(/is queued again/).waitFor()
      await eventually(
        async () => (await log.locator("tbody tr").allTextContents()).join("|"),
        (rows) => !rows.includes("Failed") && (rows.match(/Delivered200/g) ?? []).length === 2,
        20_000
      )
      expect(chat.at(slackPath)).toHaveLength(3)
      await page.screenshot({ path: screenshotPath("dash-webhooks-channels.png"), fullPage: true })

      // Edit: the name and events change; the URL is never shown back, and left blank it is kept.
      await detail.getByRole("button", { name: "Edit" }).click()
      const edit = page.getByRole("form", { name: "Edit the channel" })
      expect(await edit.getByLabel("Name").inputValue()).toBe(HOSTILE)
      expect(await edit.getByLabel("Webhook URL").inputValue()).toBe("")
      expect(await edit.getByLabel("Where").count()).toBe(0)
      expect(await edit.getByRole("checkbox", { name: "email.bounced", exact: true }).isChecked()).toBe(true)
      await edit.getByLabel("Name").fill("Ops alerts")
      await edit.getByRole("checkbox", { name: "email.bounced", exact: true }).uncheck()
      await edit.getByRole("checkbox", { name: "email.delivered", exact: true }).check()
      await edit.getByRole("button", { name: "Save changes" }).click()
      await edit.waitFor({ state: "detached" })
      await detail.getByRole("heading", { level: 2, name: "Ops alerts" }).waitFor()
      const events = await detail.locator("dl.facts dd").nth(1).textContent()
      expect(events).toContain("email.delivered")
      expect(events).not.toContain("email.bounced")
      await detail.getByRole("button", { name: "Send test message" }).click()
      await detail.getByText("Test message delivered: Slack answered HTTP 200.").waitFor()
      expect(chat.at(slackPath)).toHaveLength(4)
      // A new URL given: the messages go there from now on, and it is not shown either.
      const moved = chat.slackUrl("hook-secret-2")
      await detail.getByRole("button", { name: "Edit" }).click()
      await edit.getByLabel("Webhook URL").fill(moved)
      await edit.getByRole("button", { name: "Save changes" }).click()
      await edit.waitFor({ state: "detached" })
      await detail.getByRole("button", { name: "Send test message" }).click()
      await detail.getByText("Test message delivered: Slack answered HTTP 200.").waitFor()
      expect(chat.at(new URL(moved).pathname)).toHaveLength(1)
      expect(chat.at(slackPath)).toHaveLength(4)
      expect(await page.locator("body").textContent()).not.toContain("hook-secret-2")

      await detail.getByRole("button", { name: "Delete…" }).click()
      await page
        .getByRole("alertdialog", { name: "Delete the channel “Ops alerts”?" })
        .getByRole("button", { name: "Delete channel" })
        .click()
      await section.getByText("No channels yet").waitFor()

      expect(await page.evaluate("typeof window.__pwned")).toBe("undefined")
      expect(dialogs).toEqual([])
      expect(problems).toEqual([])
    } catch (error) {
      await page.screenshot({ path: screenshotPath("dash-webhooks-channels-failure.png"), fullPage: true })
      throw error
    } finally {
      await context.close()
    }
  }, 120_000)
})
