import type { Browser as Chromium, Page } from "playwright-core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { DIST } from "../../apps/dashboard/scripts/ensureBuilt.mjs"
import { Browser, mailTo, tokenIn } from "../accounts/browser.js"
import { type AccountsWorld, startAccountsWorld } from "../accounts/harness.js"
import { launchChromium } from "./chromium.js"
import { signInAndOpen, watchForProblems } from "./signIn.js"
import { screenshotPath } from "../support/screenshots.js"

const PASSWORD = "correct horse battery staple"
const EMAIL = "sam@people.test"

/** The segments page in headless Chromium against the real server: rules with a live count, members. */
describe("segments in the dashboard", () => {
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
    // A person with a confirmed address and a team holding three contacts and a select property.
    const api = new Browser(world.server.baseUrl)
    expect(
      (await api.call("POST", "/auth/sign-up", { email: EMAIL, password: PASSWORD, name: "Sam" })).status
    ).toBe(202)
    const verify = await mailTo(world.sink, EMAIL, /confirm your email/i, new Set())
    expect((await api.call("POST", "/auth/verify-email", { token: tokenIn(verify) })).status).toBe(200)
    await api.signIn(EMAIL, PASSWORD)
    const property = await api.call("POST", "/contact-properties", {
      name: "plan",
      label: "Plan",
      type: "select",
      options: ["pro", "free"]
    })
    expect(property.status, property.text).toBe(201)
    for (const [email, plan] of [
      ["ann@example.com", "pro"],
      ["bo@example.com", "pro"],
      ["cy@example.com", "free"]
    ])
      expect((await api.call("POST", "/contacts", { email, properties: { plan } })).status).toBe(201)
  })
  afterAll(async () => {
    await chromium?.close()
    await world?.close()
  })

  const shot = (page: Page, name: string) =>
    page.screenshot({ path: screenshotPath(`dash-segments-${name}.png`), fullPage: true })

  const signedIn = async () => {
    if (chromium === undefined) throw noChromium
    const context = await chromium.newContext({ viewport: { width: 1200, height: 900 } })
    const page = await context.newPage()
    watchForProblems(page, problems, /status of 4\d\d/)
    await signInAndOpen(page, world.server.baseUrl, { email: EMAIL, password: PASSWORD }, "Segments")
    return { context, page }
  }

  it("builds a rule segment with the count updating as the rule is edited, then lists its members", async () => {
    const { context, page } = await signedIn()
    const form = page.getByRole("form", { name: "Create a segment" })
    await form.getByLabel("Segment name").fill("Pro plan")
    await form.getByLabel("Kind").selectOption("rules")
    await form.getByLabel("Condition 1 field").selectOption("properties.plan")
    await form.getByLabel("Condition 1 comparator").selectOption("equals")
    const count = form.getByRole("status")
    await form.getByLabel("Condition 1 value").fill("pro")
    await count.getByText("2 contacts match").waitFor()
    await form.getByLabel("Condition 1 value").fill("free")
    await count.getByText("1 contact match").waitFor()
    // A rule that cannot apply is explained where the count was, before anything is stored.
    await form.getByLabel("Condition 1 comparator").selectOption("before")
    await count.getByText(/Invalid segment rules: .*before/).waitFor()
    await form.getByLabel("Condition 1 comparator").selectOption("equals")
    await form.getByLabel("Condition 1 value").fill("pro")
    await form.getByRole("button", { name: "Add condition" }).click()
    await form.getByLabel("Condition 2 field").selectOption("email")
    await form.getByLabel("Condition 2 comparator").selectOption("starts_with")
    await form.getByLabel("Condition 2 value").fill("ann")
    await count.getByText("1 contact match").waitFor()
    await form.getByLabel("Contacts must match").selectOption("or")
    await count.getByText("2 contacts match").waitFor()
    await shot(page, "rule-builder")
    await form.getByRole("button", { name: "Create segment" }).click()

    const row = page.getByRole("row", { name: /Pro plan/ })
    await row.getByRole("cell", { name: "Rules (2)" }).waitFor()
    expect(await row.getByRole("cell").nth(1).textContent()).toBe("2")
    const members = page.getByRole("list", { name: "Members" })
    await members.waitFor()
    expect((await members.getByRole("listitem").allTextContents()).sort()).toEqual([
      "ann@example.com",
      "bo@example.com"
    ])
    await shot(page, "rule-members")
    await context.close()
  })

  it("keeps a manual segment by hand: add a contact by address, see it in the members and the count", async () => {
    const { context, page } = await signedIn()
    const form = page.getByRole("form", { name: "Create a segment" })
    await form.getByLabel("Segment name").fill("Hand-picked")
    await form.getByRole("button", { name: "Create segment" }).click()
    const panel = page.getByRole("region", { name: "Members of Hand-picked" })
    await panel.getByText("No members.").waitFor()
    await panel.getByLabel("Contact's email").fill("cy@example.com")
    await panel.getByRole("button", { name: "Add contact" }).click()
    await panel.getByRole("list", { name: "Members" }).getByText("cy@example.com").waitFor()
    await page
      .getByRole("row", { name: /Hand-picked/ })
      .getByRole("cell", { name: "1", exact: true })
      .waitFor()
    // An address with no contact: the API's answer, and nothing added.
    await panel.getByLabel("Contact's email").fill("nobody@example.com")
    await panel.getByRole("button", { name: "Add contact" }).click()
    await panel
      .getByRole("alert")
      .getByText(/Contact not found/)
      .waitFor()
    await shot(page, "manual")
    expect(problems).toEqual([])
    await context.close()
  })
})
