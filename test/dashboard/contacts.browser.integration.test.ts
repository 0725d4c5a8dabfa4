import { readFileSync } from "node:fs"
import type { Browser as Chromium, Page } from "playwright-core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { DIST } from "../../apps/dashboard/scripts/ensureBuilt.mjs"
import { Browser, mailTo, tokenIn } from "../accounts/browser.js"
import { type AccountsWorld, startAccountsWorld } from "../accounts/harness.js"
import { query } from "../support/database.js"
import { launchChromium } from "./chromium.js"
import { screenshotPath } from "../support/screenshots.js"

const PASSWORD = "correct horse battery staple"
const EMAIL = "marta@people.test"

/** The audience pages of the dashboard (contacts, properties, topics) in headless Chromium. */
describe("contacts, properties and topics in the dashboard", () => {
  let world: AccountsWorld
  let chromium: Chromium | undefined
  let noChromium: unknown
  let page: Page
  const problems: Array<string> = []
  const seen = new Set<number>()
  const url = (path: string) => `${world.server.baseUrl}${path}`

  beforeAll(async () => {
    chromium = await launchChromium().catch((error: unknown) => {
      noChromium = error
      return undefined
    })
    world = await startAccountsWorld({ dashboardDir: DIST })
    if (chromium === undefined) return
    const api = new Browser(world.server.baseUrl)
    expect(
      (await api.call("POST", "/auth/sign-up", { email: EMAIL, password: PASSWORD, name: "Marta" })).status
    ).toBe(202)
    const verify = await mailTo(world.sink, EMAIL, /confirm your email/i, seen)
    expect((await api.call("POST", "/auth/verify-email", { token: tokenIn(verify) })).status).toBe(200)
    const context = await chromium.newContext({
      viewport: { width: 1280, height: 900 },
      acceptDownloads: true
    })
    page = await context.newPage()
    page.on("pageerror", (error) => problems.push(`pageerror: ${error.message}`))
    page.on("console", (message) => {
      if (message.type() === "error" && !/status of 4\d\d/.test(message.text()))
        problems.push(`console: ${message.text()}`)
    })
    await page.goto(url("/sign-in"))
    await page.getByLabel("Email").fill(EMAIL)
    await page.getByLabel("Password").fill(PASSWORD)
    await page.getByRole("button", { name: "Sign in" }).click()
    await page.waitForURL(/\/app\//)
  })
  afterAll(async () => {
    await chromium?.close()
    await world?.close()
  })
  const go = async (link: string, heading: string) => {
    if (chromium === undefined) throw noChromium
    await page
      .getByRole("navigation", { name: "Dashboard" })
      .getByRole("link", { name: link, exact: true })
      .click()
    await page.getByRole("heading", { name: heading, level: 1 }).waitFor()
  }
  const teamId = async () =>
    (
      await query<{ team_id: number }>(
        world.db.url,
        "SELECT m.team_id FROM memberships m JOIN users u ON u.id = m.user_id WHERE u.email = $1",
        [EMAIL]
      )
    )[0]?.team_id

  it("imports pasted JSON in chunks with progress, then searches, filters, edits and exports", async () => {
    await go("Contacts", "Contacts")
    // A team with no contacts is told where to begin, not that nothing matches.
    await page.getByText("No contacts yet: import a CSV or JSON file below.").waitFor()
    // Search and Export are two buttons, apart.
    const search = await page.getByRole("button", { name: "Search" }).boundingBox()
    const exportCsv = await page.getByRole("button", { name: "Export CSV" }).boundingBox()
    expect((exportCsv?.x ?? 0) - ((search?.x ?? 0) + (search?.width ?? 0))).toBeGreaterThanOrEqual(6)
    const rows = Array.from({ length: 1_001 }, (_, i) => ({
      email: `reader${i}@example.com`,
      first_name: i === 7 ? "Quentin" : `Reader ${i}`
    }))
    rows.push(
      { email: "READER1@example.com", first_name: "duplicate" },
      { email: "not an address", first_name: "x" }
    )
    await page.getByLabel("Contacts (CSV or JSON)").fill(JSON.stringify(rows))
    await page.getByRole("button", { name: "Import", exact: true }).click()
    const status = page.getByRole("status").filter({ hasText: "Import finished" })
    await status.waitFor({ timeout: 20_000 })
    expect(await status.textContent()).toMatch(/1001 imported, 1 skipped, 1 rejected/)
    expect(await page.locator("progress").getAttribute("value")).toBe("1003")
    expect(await page.getByText("1003 of 1003 processed").isVisible()).toBe(true)
    expect(await page.locator(".import-errors li").textContent()).toContain("not an address")
    await page.screenshot({ path: screenshotPath("dash-contacts-import.png"), fullPage: true })
    const [stored] = await query<{ n: number }>(
      world.db.url,
      "SELECT count(*)::int AS n FROM contacts WHERE team_id = $1",
      [await teamId()]
    )
    expect(stored?.n).toBe(1001)
    await page.getByRole("table").getByText("1001 contacts").waitFor()

    // A search matching 1,000 or more: the count and the last page are open-ended, and paging goes on.
    await page.getByLabel("Search").fill("reader")
    await page.getByRole("button", { name: "Search" }).click()
    await page.getByRole("table").getByText("1,000+ contacts").waitFor()
    expect(await page.locator(".actions span").textContent()).toBe("Page 1 of 40+")
    expect(await page.getByRole("button", { name: "Next page" }).isEnabled()).toBe(true)

    await page.getByLabel("Search").fill("quentin")
    await page.getByRole("button", { name: "Search" }).click()
    await page.getByRole("table").getByText("1 contact", { exact: true }).waitFor()
    expect(await page.getByRole("cell", { name: "reader7@example.com", exact: true }).isVisible()).toBe(true)

    // Edit: a new name, and a global opt-out.
    await page.getByRole("button", { name: "Edit reader7@example.com" }).click()
    await page.getByLabel("First name").fill("Quinn")
    await page.getByLabel("Unsubscribed from all marketing mail").check()
    await page.getByRole("button", { name: "Save contact" }).click()
    // The list is reloaded with the same search, which the new name no longer matches.
    await page.getByText("No contacts match.").waitFor()
    const [edited] = await query<{ first_name: string; unsubscribed: boolean }>(
      world.db.url,
      "SELECT first_name, unsubscribed FROM contacts WHERE email = 'reader7@example.com'"
    )
    expect(edited).toEqual({ first_name: "Quinn", unsubscribed: true })

    // Filter by unsubscribed.
    await page.getByLabel("Search").fill("")
    await page.getByLabel("Show").selectOption("true")
    await page.getByRole("table").getByText("1 contact", { exact: true }).waitFor()
    expect(await page.getByRole("cell", { name: "reader7@example.com", exact: true }).isVisible()).toBe(true)
    await page.getByLabel("Show").selectOption("false")
    await page.getByRole("table").getByText("1000 contacts").waitFor()

    // A property value of the wrong JSON shape is refused with the API's message, nothing saved.
    await page.getByRole("button", { name: "Edit reader1000@example.com" }).click()
    await page.getByLabel("Properties (JSON)").fill('{"unknown_prop": 1}')
    await page.getByRole("button", { name: "Save contact" }).click()
    await page.getByRole("alert").waitFor()
    await page.getByRole("button", { name: "Cancel" }).click()

    // CSV export: a real download of the server's CSV.
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("button", { name: "Export CSV" }).click()
    ])
    expect(download.suggestedFilename()).toBe("contacts.csv")
    const csv = readFileSync((await download.path()) ?? "", "utf8")
    expect(csv.split(/\r?\n/)[0]).toContain("email")
    expect(csv).toContain("reader1000@example.com")
    expect(csv.trim().split(/\r?\n/).length).toBe(1002)
  }, 90_000)

  it("uploads a JSON file to import", async () => {
    await go("Contacts", "Contacts")
    await page.getByLabel("File", { exact: true }).setInputFiles({
      name: "people.json",
      mimeType: "application/json",
      buffer: Buffer.from(JSON.stringify({ contacts: [{ email: "uploaded@example.com", first_name: "Up" }] }))
    })
    await expect
      .poll(() => page.getByLabel("Contacts (CSV or JSON)").inputValue())
      .toContain("uploaded@example.com")
    await page.getByRole("button", { name: "Import", exact: true }).click()
    await page.getByRole("status").filter({ hasText: "1 imported, 0 skipped" }).waitFor()
    await page.getByLabel("Search").fill("uploaded")
    await page.getByRole("button", { name: "Search" }).click()
    await page.getByRole("cell", { name: "uploaded@example.com", exact: true }).waitFor()
  })

  it("creates, edits and deletes typed properties", async () => {
    await go("Properties", "Contact properties")
    await page.getByLabel("Name").fill("plan")
    await page.getByLabel("Label").fill("Plan")
    await page.getByLabel("Type").selectOption("select")
    await page.getByLabel("Options").fill("free, pro")
    await page.getByRole("button", { name: "Add property" }).click()
    await page.getByRole("cell", { name: "free, pro" }).waitFor()
    // The type in the words the form offered it in, not the API's name for it.
    await page.getByRole("cell", { name: "One of a list", exact: true }).waitFor()
    await page.getByRole("button", { name: "Edit plan" }).click()
    const edit = page.getByRole("form", { name: "Edit plan" })
    await edit.getByLabel("Label").fill("Pricing plan")
    await edit.getByLabel("Options").fill("free, pro, team")
    await edit.getByRole("button", { name: "Save property" }).click()
    await page.getByRole("cell", { name: "free, pro, team" }).waitFor()
    expect(await page.getByRole("cell", { name: "Pricing plan" }).isVisible()).toBe(true)
    // A select with no options is refused by the server, with its message.
    await page.getByLabel("Name").first().fill("tier")
    await page.getByLabel("Label").first().fill("Tier")
    await page.getByLabel("Type").selectOption("select")
    await page.getByRole("button", { name: "Add property" }).click()
    await page.getByRole("form", { name: "Add a property" }).getByRole("alert").waitFor()
    page.once("dialog", (dialog) => void dialog.accept())
    await page.getByRole("button", { name: "Delete plan" }).click()
    await page.getByText("No properties yet.").waitFor()
    expect(await query(world.db.url, "SELECT name FROM contact_properties")).toEqual([])
  })

  it("creates topics, shows their counts, renames and deletes them", async () => {
    await go("Topics", "Subscription topics")
    await page.getByLabel("Name").fill("Product news")
    await page.getByLabel("Description").fill("What we ship")
    await page.getByRole("button", { name: "Add topic" }).click()
    const row = page.getByRole("row", { name: /Product news/ })
    await row.waitFor()
    // Opt-out model: every contact is in a new topic, but for reader7, unsubscribed from all mail above.
    expect(await row.getByRole("cell").nth(2).textContent()).toBe("1001")
    expect(await row.getByRole("cell").nth(3).textContent()).toBe("0")
    await page.getByRole("button", { name: "Edit Product news" }).click()
    const edit = page.getByRole("form", { name: "Edit Product news" })
    await edit.getByLabel("Name").fill("Releases")
    await edit.getByRole("button", { name: "Save topic" }).click()
    await page.getByRole("cell", { name: "Releases", exact: true }).waitFor()
    await page.screenshot({ path: screenshotPath("dash-topics.png"), fullPage: true })
    page.once("dialog", (dialog) => void dialog.accept())
    await page.getByRole("button", { name: "Delete Releases" }).click()
    await page.getByText("No topics yet.").waitFor()
    expect(problems).toEqual([])
  })
  it("imports a CSV file checked against the team's properties, listing the lines it refused", async () => {
    await go("Properties", "Contact properties")
    await page.getByLabel("Name").first().fill("score")
    await page.getByLabel("Label").first().fill("Score")
    await page.getByLabel("Type").selectOption("number")
    await page.getByRole("button", { name: "Add property" }).click()
    await page.getByRole("cell", { name: "Score", exact: true }).waitFor()
    await go("Contacts", "Contacts")
    const file = page.getByLabel("File", { exact: true })
    // A misspelt column refuses the whole file before anything is sent.
    await file.setInputFiles({
      name: "typo.csv",
      mimeType: "text/csv",
      buffer: Buffer.from("email,scroe\r\ntypo@example.com,1\r\n")
    })
    await expect.poll(() => page.getByLabel("Contacts (CSV or JSON)").inputValue()).toContain("scroe")
    await page.getByRole("button", { name: "Import", exact: true }).click()
    // The refusal says what to do about it.
    await page
      .getByRole("alert")
      .filter({ hasText: 'unknown column "scroe"' })
      .filter({ hasText: "add the property first, or remove the column" })
      .waitFor()
    await file.setInputFiles({
      name: "people.csv",
      mimeType: "text/csv",
      buffer: Buffer.from(
        "\ufeffemail,first_name,score,created_at\r\n" +
          'csv-one@example.com,"Doe, Jane",42,2026-01-01\r\n' +
          "csv-two@example.com,Two,lots,\r\n" +
          "not-an-address,X,1,\r\n" +
          "reader3@example.com,Known,3,\r\n"
      )
    })
    await expect.poll(() => page.getByLabel("Contacts (CSV or JSON)").inputValue()).toContain("csv-one")
    await page.getByRole("button", { name: "Import", exact: true }).click()
    const status = page.getByRole("status").filter({ hasText: "Import finished" })
    await status.waitFor()
    expect(await status.textContent()).toMatch(/1 imported, 1 skipped, 2 rejected/)
    const refused = await page.locator(".import-errors li").allTextContents()
    expect(refused).toEqual([
      expect.stringMatching(/^line 3: .*score/),
      expect.stringMatching(/^line 4: invalid email/)
    ])
    const rows = await query<{ first_name: string; properties: unknown }>(
      world.db.url,
      "SELECT first_name, properties FROM contacts WHERE email IN ('csv-one@example.com', 'csv-two@example.com', 'reader3@example.com') ORDER BY email"
    )
    expect(rows).toEqual([
      { first_name: "Doe, Jane", properties: { score: 42 } },
      { first_name: "Reader 3", properties: {} }
    ])

    // A spreadsheet's semicolon-separated export, with a BOM and CRLF, reads as the same columns.
    await file.setInputFiles({
      name: "excel.csv",
      mimeType: "text/csv",
      buffer: Buffer.from("\ufeffemail;first_name;score\r\nsemi@example.com;Semi, Colon;7\r\n")
    })
    await expect.poll(() => page.getByLabel("Contacts (CSV or JSON)").inputValue()).toContain("semi@")
    await page.getByRole("button", { name: "Import", exact: true }).click()
    await page.getByRole("status").filter({ hasText: "Import finished: 1 imported, 0 skipped." }).waitFor()
    expect(
      await query(
        world.db.url,
        "SELECT first_name, properties FROM contacts WHERE email = 'semi@example.com'"
      )
    ).toEqual([{ first_name: "Semi, Colon", properties: { score: 7 } }])

    // A file refused after an import stands alone: the last import's summary is not left beside it.
    await file.setInputFiles({
      name: "typo-again.csv",
      mimeType: "text/csv",
      buffer: Buffer.from("email,scroe\r\nagain@example.com,1\r\n")
    })
    await expect.poll(() => page.getByLabel("Contacts (CSV or JSON)").inputValue()).toContain("again@")
    await page.getByRole("button", { name: "Import", exact: true }).click()
    await page.getByRole("alert").filter({ hasText: 'unknown column "scroe"' }).waitFor()
    expect(await page.getByRole("status").filter({ hasText: "Import finished" }).count()).toBe(0)

    // On a phone the list scrolls inside its frame: the page itself is no wider than the screen.
    await page.setViewportSize({ width: 420, height: 900 })
    await page.screenshot({ path: screenshotPath("dash-contacts-narrow.png"), fullPage: true })
    expect(await page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")).toBe(true)
    await page.setViewportSize({ width: 1280, height: 900 })
    expect(problems).toEqual([])
  })
})
