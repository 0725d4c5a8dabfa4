import type { Browser as Chromium, BrowserContext, Page } from "playwright-core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { DIST } from "../../apps/dashboard/scripts/ensureBuilt.mjs"
import { Browser, mailTo, tokenIn } from "../accounts/browser.js"
import { type AccountsWorld, startAccountsWorld } from "../accounts/harness.js"
import { launchChromium } from "./chromium.js"
import { screenshotPath } from "../support/screenshots.js"

const PASSWORD = "correct horse battery staple"

/**
 * The dashboard in headless Chromium against the real server (PostgreSQL, the worker delivering
 * system mail to an SMTP sink): what a person sees and does, page by page.
 */
describe("the dashboard in a browser", () => {
  let world: AccountsWorld
  let chromium: Chromium | undefined
  // A missing Chromium fails each test with what to install (vitest would count a failed
  // beforeAll's tests as skipped).
  let noChromium: unknown
  const seen = new Set<number>()
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

  /** A fresh browser profile; any script error or CSP violation on its pages is recorded. */
  const newPerson = async (): Promise<{ context: BrowserContext; page: Page }> => {
    if (chromium === undefined) throw noChromium
    const context = await chromium.newContext({ viewport: { width: 1200, height: 820 } })
    const page = await context.newPage()
    page.on("pageerror", (error) => problems.push(`pageerror: ${error.message}`))
    page.on("console", (message) => {
      if (message.type() === "error" && !/status of 40[13]/.test(message.text())) {
        problems.push(`console: ${message.text()}`)
      }
    })
    return { context, page }
  }
  const url = (path: string) => `${world.server.baseUrl}${path}`
  /** A mailed link points at the public URL; the same path and fragment on the test server. */
  const local = (mailLink: string) => url(mailLink.replace(/^https?:\/\/[^/]+/, ""))
  const linkIn = (text: string, page: string) => {
    const match = new RegExp(`https?://\\S+/${page}#token=[A-Za-z0-9_-]+`).exec(text)
    if (match === null) throw new Error(`no ${page} link in: ${text}`)
    return match[0]
  }
  const shot = (page: Page, name: string) =>
    page.screenshot({ path: screenshotPath(`dash-${name}.png`), fullPage: true })

  it("takes a new person from sign-up through the mailed link to a first API key, shown once", async () => {
    const { context, page } = await newPerson()
    await page.goto(url("/sign-up"))
    await expect
      .poll(() => page.getByRole("heading", { name: "Create your account", level: 1 }).isVisible())
      .toBe(true)
    await page.getByLabel("Name").fill("Alice")
    await page.getByLabel("Email").fill("alice@people.test")
    await page.getByLabel("Password").fill(PASSWORD)
    await page.getByLabel("Time zone").selectOption("Europe/Paris")
    await shot(page, "sign-up")
    await page.getByRole("button", { name: "Create account" }).click()
    await page.getByRole("status").getByText("Open the link in the mail").waitFor()

    const mail = await mailTo(world.sink, "alice@people.test", /confirm your email/i, seen)
    await page.goto(local(linkIn(mail.text, "verify-email")))
    await shot(page, "verify-email")
    await page.getByRole("button", { name: "Confirm my address" }).click()
    await page.getByText("Your address is confirmed.").waitFor()
    await page.getByRole("link", { name: "Sign in" }).click()

    // A wrong password: the contract's message and code, announced, and no session.
    await page.getByLabel("Email").fill("alice@people.test")
    await page.getByLabel("Password").fill("not the password at all")
    await page.getByRole("button", { name: "Sign in" }).click()
    const alert = page.getByRole("alert")
    await alert.waitFor()
    expect(await alert.textContent()).toMatch(/Code: unauthorized/)
    await shot(page, "sign-in-error")
    await page.getByLabel("Password").fill(PASSWORD)
    await page.getByRole("button", { name: "Sign in" }).click()
    await page.waitForURL(url("/app/api-keys"))
    await page.getByRole("heading", { name: "API keys", level: 1 }).waitFor()
    await page.getByText("No keys yet.").waitFor()

    await page.getByLabel("Name").fill("Production app")
    await page.getByLabel("Permission").selectOption("full_access")
    await page.getByRole("button", { name: "Create key" }).click()
    const shown = page.getByRole("region", { name: "Your new API key" })
    await shown.waitFor()
    const secret = (await shown.getByLabel("API key").textContent()) ?? ""
    expect(secret).toMatch(/^sk_live_/)
    await shot(page, "api-key-created")
    // The key works, on the team the person signed up with.
    const keys = await fetch(url("/api-keys"), { headers: { authorization: `Bearer ${secret}` } })
    expect(keys.status).toBe(200)
    const listed = ((await keys.json()) as { keys: Array<{ name: string; key?: string }> }).keys
    expect(listed.map((k) => k.name)).toEqual(["Production app"])
    expect(listed[0]?.key).toBeUndefined()

    // Dismissed, and after a reload, the secret appears nowhere again: only its prefix.
    await page.getByRole("button", { name: "I have saved it" }).click()
    await page.getByRole("row", { name: /Production app/ }).waitFor()
    expect(await page.content()).not.toContain(secret)
    await page.reload()
    await page.getByRole("row", { name: /Production app/ }).waitFor()
    expect(await page.content()).not.toContain(secret)
    await shot(page, "api-keys")

    // Revoke: the key stops working.
    page.once("dialog", (dialog) => void dialog.accept())
    await page.getByRole("button", { name: "Revoke Production app" }).click()
    await page.getByText("No keys yet.").waitFor()
    expect((await fetch(url("/api-keys"), { headers: { authorization: `Bearer ${secret}` } })).status).toBe(
      401
    )

    // A domain: added, its DNS records listed pending, verified once DNS serves them.
    await page.getByRole("link", { name: "Domains" }).click()
    await page.getByRole("heading", { name: "Domains", level: 1 }).waitFor()
    await page.getByLabel("Domain name").fill("mail.alice.test")
    await page.getByRole("button", { name: "Add domain" }).click()
    const records = page.getByRole("table", { name: "DNS records for mail.alice.test" })
    await records.waitFor()
    expect(await records.getByText("Waiting for DNS").count()).toBeGreaterThan(1)
    await page.getByRole("button", { name: "Verify mail.alice.test" }).click()
    await page.getByText(/required record\(s\) not found yet/).waitFor()
    await shot(page, "domains")
    const body = await (
      await fetch(url("/domains"), { headers: { authorization: `Bearer ${world.key}` } })
    ).json()
    expect((body as { domains: Array<{ name: string }> }).domains.map((d) => d.name)).not.toContain(
      "mail.alice.test"
    )
    for (const row of await records.getByRole("row").all()) {
      const cells = await row.getByRole("cell").allTextContents()
      if (cells.length < 4) continue
      const [, type, name, value] = cells
      world.dns.publish(name ?? "", type as "TXT" | "MX" | "CNAME", (value ?? "").replace(/^\d+ /, ""))
    }
    await page.getByRole("button", { name: "Verify mail.alice.test" }).click()
    await page.getByText("mail.alice.test is verified.").waitFor()
    await expect.poll(() => records.getByText("Waiting for DNS").count()).toBe(0)
    expect(await records.getByText("Verified").count()).toBe(5)
    await shot(page, "domains-verified")

    // Account: the time zone chosen at sign-up, changed here.
    await page.getByRole("link", { name: "Account" }).click()
    await page.getByRole("heading", { name: "Account", level: 1 }).waitFor()
    expect(await page.getByLabel("Time zone").inputValue()).toBe("Europe/Paris")
    await page.getByLabel("Time zone").selectOption("America/New_York")
    await page.getByRole("button", { name: "Save profile" }).click()
    await page.getByText("Saved.").waitFor()
    // A wrong current password: the server's refusal, shown by the form.
    await page.getByLabel("Current password").fill("wrong password here")
    await page.getByLabel("New password").fill("another good password")
    await page.getByRole("button", { name: "Change password" }).click()
    await page.getByRole("form", { name: "Change password" }).getByRole("alert").waitFor()
    await shot(page, "account")

    await page.getByRole("link", { name: "Sessions" }).click()
    await page.getByRole("heading", { name: "Sessions", level: 1 }).waitFor()
    await page.getByText("This session").waitFor()
    await shot(page, "sessions")
    await context.close()
    expect(problems).toEqual([])
  }, 120_000)

  it("lets an owner invite a second person, who accepts in their own browser and joins the team", async () => {
    // Alice from the first test, in a new browser.
    const alice = await newPerson()
    await alice.page.goto(url("/app/team"))
    await alice.page.waitForURL(/\/sign-in\?next=/)
    await alice.page.getByLabel("Email").fill("alice@people.test")
    await alice.page.getByLabel("Password").fill(PASSWORD)
    await alice.page.getByRole("button", { name: "Sign in" }).click()
    await alice.page.waitForURL(url("/app/team"))
    await alice.page.getByRole("heading", { name: "Team: Alice's team", level: 1 }).waitFor()
    await alice.page
      .getByRole("form", { name: "Invite a member" })
      .getByLabel("Email")
      .fill("bob@people.test")
    await alice.page.getByRole("form", { name: "Invite a member" }).getByLabel("Role").selectOption("admin")
    await alice.page.getByRole("button", { name: "Send invitation" }).click()
    await alice.page.getByText("Invitation sent to bob@people.test.").waitFor()
    await alice.page.getByRole("row", { name: /bob@people\.test.*pending/i }).waitFor()

    // Bob has an account of his own (made over the API, as the first test made Alice's in the browser).
    const bobApi = new Browser(world.server.baseUrl)
    expect(
      (
        await bobApi.call("POST", "/auth/sign-up", {
          email: "bob@people.test",
          password: PASSWORD,
          name: "Bob"
        })
      ).status
    ).toBe(202)
    const bobVerify = await mailTo(world.sink, "bob@people.test", /confirm your email/i, seen)
    expect((await bobApi.call("POST", "/auth/verify-email", { token: tokenIn(bobVerify) })).status).toBe(200)
    await bobApi.signIn("bob@people.test", PASSWORD)

    const invitation = await mailTo(world.sink, "bob@people.test", /invit/i, seen)
    const bob = await newPerson()
    await bob.page.goto(local(linkIn(invitation.text, "accept-invitation")))
    await bob.page.getByRole("heading", { name: "Join a team", level: 1 }).waitFor()
    await shot(bob.page, "accept-invitation")
    await bob.page.getByRole("link", { name: "Sign in to accept" }).click()
    await bob.page.getByLabel("Email").fill("bob@people.test")
    await bob.page.getByLabel("Password").fill(PASSWORD)
    await bob.page.getByRole("button", { name: "Sign in" }).click()
    await bob.page.waitForURL(/\/accept-invitation#token=/)
    await bob.page.getByRole("button", { name: "Accept invitation" }).click()
    await bob.page.getByText("You are now a member of Alice's team.").waitFor()
    await bob.page.getByRole("link", { name: "Go to the team" }).click()
    await bob.page.getByRole("heading", { name: "Team: Alice's team", level: 1 }).waitFor()
    await bob.page.getByRole("row", { name: /alice@people\.test/ }).waitFor()
    // Bob has two teams now: his own and Alice's, with a switcher.
    expect(await bob.page.getByLabel("Current team").inputValue()).not.toBe("")

    // Alice sees him as an admin and the invitation accepted; she makes him a member, then removes him.
    await alice.page.reload()
    const bobRow = alice.page.getByRole("row", { name: /bob@people\.test/ }).first()
    await bobRow.waitFor()
    expect(await alice.page.getByLabel("Role of bob@people.test").inputValue()).toBe("admin")
    await alice.page.getByRole("row", { name: /bob@people\.test.*accepted/i }).waitFor()
    await shot(alice.page, "team")
    await alice.page.getByLabel("Role of bob@people.test").selectOption("member")
    await expect
      .poll(async () => {
        const members = await bobApi.call("GET", "/auth/session")
        return (members.body.teams as Array<{ name: string; role: string }> | undefined)?.find(
          (t) => t.name === "Alice's team"
        )?.role
      })
      .toBe("member")
    // Bob, a member now, is told he cannot manage keys, with no form to try.
    await bob.page.goto(url("/app/api-keys"))
    expect(await bob.page.getByLabel("Current team").locator("option:checked").textContent()).toBe(
      "Alice's team"
    )
    await bob.page.getByText("Only owners and admins manage keys.").waitFor()
    // A member is not offered the logs (the server refuses them 403).
    expect(await bob.page.getByRole("link", { name: "Audit log" }).count()).toBe(0)
    expect(await bob.page.getByRole("link", { name: "API requests" }).count()).toBe(0)
    expect(await bob.page.getByRole("button", { name: "Create key" }).count()).toBe(0)
    await shot(bob.page, "api-keys-member")

    alice.page.once("dialog", (dialog) => void dialog.accept())
    await alice.page.getByRole("button", { name: "Remove bob@people.test" }).click()
    await expect.poll(() => alice.page.getByRole("row", { name: /bob@people\.test/ }).count()).toBe(1)
    const after = await bobApi.call("GET", "/auth/session")
    expect((after.body.teams as Array<{ name: string }>).map((t) => t.name)).toEqual(["Bob's team"])
    await alice.context.close()
    await bob.context.close()
    expect(problems).toEqual([])
  }, 120_000)

  it("signs in with the keyboard alone, in a sensible focus order, and hears errors", async () => {
    const { context, page } = await newPerson()
    // This server has no GitHub app: the page asks, and offers no GitHub button.
    const providers = page.waitForResponse((response) => response.url().endsWith("/auth/providers"))
    await page.goto(url("/sign-in"))
    await page.getByRole("heading", { name: "Sign in", level: 1 }).waitFor()
    expect(await (await providers).json()).toEqual({ github: false })
    // Evaluated in the page (as text: the test's own types have no DOM).
    const focused = () =>
      page.evaluate<string>(
        `(() => { const el = document.activeElement; return el === null ? "" : el.tagName.toLowerCase() + ":" + (el.getAttribute("name") ?? el.textContent ?? "") })()`
      )
    // The page's title has focus on arrival; then the fields in reading order, then the button.
    expect(await focused()).toBe("h1:Sign in")
    await page.keyboard.press("Tab")
    expect(await focused()).toBe("input:email")
    await page.keyboard.type("alice@people.test")
    await page.keyboard.press("Tab")
    expect(await focused()).toBe("input:password")
    await page.keyboard.type("wrong password, typed")
    await page.keyboard.press("Tab")
    expect(await focused()).toBe("button:Sign in")
    expect(await page.getByRole("link", { name: "Sign in with GitHub" }).count()).toBe(0)
    await page.keyboard.press("Enter")
    // The error takes focus, so a screen reader reads it at once.
    await page.getByRole("alert").waitFor()
    expect(await page.evaluate<string>(`document.activeElement?.textContent ?? ""`)).toMatch(/unauthorized/)
    // From the error, on to the fields again: the password is retyped.
    await page.keyboard.press("Tab")
    expect(await focused()).toBe("input:email")
    await page.keyboard.press("Tab")
    expect(await focused()).toBe("input:password")
    await page.keyboard.press("ControlOrMeta+a")
    await page.keyboard.type(PASSWORD)
    await page.keyboard.press("Enter")
    await page.waitForURL(url("/app/api-keys"))
    await page.getByRole("heading", { name: "API keys", level: 1 }).waitFor()
    expect(await focused()).toBe("h1:API keys")

    // Backwards from the title: the navigation, sign-out, then the skip link.
    const order: Array<string> = []
    for (let i = 0; i < 30 && order.at(-1) !== "a:Skip to content"; i++) {
      await page.keyboard.press("Shift+Tab")
      order.push(await focused())
    }
    expect(order).toEqual([
      "a:Sessions",
      "a:Account",
      "a:Audit log",
      "a:API requests",
      "a:Privacy",
      "a:Billing",
      "a:Team",
      "a:Workflows",
      "a:Signup forms",
      "a:Broadcasts",
      "a:Segments",
      "a:Templates",
      "a:Topics",
      "a:Properties",
      "a:Contacts",
      "a:Suppressions",
      "a:Webhooks",
      "a:Domains",
      "a:API keys",
      "a:Received mail",
      "a:Emails",
      "button:Sign out",
      "a:Skip to content"
    ])
    // The skip link jumps to the page; the next Tab is its first field.
    await page.keyboard.press("Enter")
    expect(await page.evaluate<string>("document.activeElement?.id")).toBe("main")
    await page.keyboard.press("Tab")
    expect(await focused()).toBe("input:name")
    // Back into the navigation, and to the Domains page with Enter.
    for (let i = 0; i < 18; i++) await page.keyboard.press("Shift+Tab")
    expect(await focused()).toBe("a:Domains")
    await page.keyboard.press("Enter")
    await page.waitForURL(url("/app/domains"))
    expect(await focused()).toBe("h1:Domains")
    await shot(page, "keyboard-domains")
    await context.close()
    expect(problems).toEqual([])
  }, 60_000)
})
