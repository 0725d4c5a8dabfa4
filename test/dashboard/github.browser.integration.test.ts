import { Redacted } from "effect"
import type { Browser as Chromium, BrowserContext, Page } from "playwright-core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { DIST } from "../../apps/dashboard/scripts/ensureBuilt.mjs"
import { Browser, mailTo, tokenIn } from "../accounts/browser.js"
import { type AccountsWorld, startAccountsWorld } from "../accounts/harness.js"
import { type FakeGitHub, type FakeGitHubAccount, startFakeGitHub } from "../support/fakeGitHub.js"
import { launchChromium } from "./chromium.js"
import { screenshotPath } from "../support/screenshots.js"

const PASSWORD = "correct horse battery staple"

const account = (id: number, login: string, email: string): FakeGitHubAccount => ({
  id,
  login,
  name: login,
  emails: [{ email, primary: true, verified: true }]
})

/**
 * GitHub sign-in and linking in headless Chromium, against the real server and a fake GitHub
 * that speaks GitHub's wire format. The fake has no consent page: the browser's request for it
 * is answered as GitHub's "Authorize" button would, with a redirect back carrying a code.
 */
describe("GitHub in the dashboard", () => {
  let world: AccountsWorld
  let github: FakeGitHub
  let chromium: Chromium | undefined
  let noChromium: unknown
  const problems: Array<string> = []

  beforeAll(async () => {
    chromium = await launchChromium().catch((error: unknown) => {
      noChromium = error
      return undefined
    })
    github = await startFakeGitHub()
    world = await startAccountsWorld({
      dashboardDir: DIST,
      github: {
        clientId: github.clientId,
        clientSecret: Redacted.make(github.clientSecret),
        redirectUri: "http://dashboard.poststack.test/auth/github/callback",
        webUrl: github.url,
        apiUrl: github.url,
        timeoutMs: 5_000
      }
    })
  })
  afterAll(async () => {
    await chromium?.close()
    await world?.close()
    await github?.close()
  })

  const url = (path: string) => `${world.server.baseUrl}${path}`
  const shot = (page: Page, name: string) =>
    page.screenshot({ path: screenshotPath(`dash2-${name}.png`), fullPage: true })

  /** A browser whose visits to GitHub's consent page are approved as `as`. */
  const newBrowser = async (as: FakeGitHubAccount): Promise<{ context: BrowserContext; page: Page }> => {
    if (chromium === undefined) throw noChromium
    const context = await chromium.newContext({ viewport: { width: 1200, height: 820 } })
    /** GitHub's consent page, approved: back to our callback with a code and the state it was given. */
    const approved = (consentUrl: string) => {
      const asked = new URL(consentUrl)
      expect(`${asked.origin}${asked.pathname}`).toBe(`${github.url}/login/oauth/authorize`)
      expect(asked.searchParams.get("client_id")).toBe(github.clientId)
      const state = asked.searchParams.get("state") ?? ""
      return url(`/auth/github/callback?code=${github.grant(as)}&state=${encodeURIComponent(state)}`)
    }
    // Reached by the page itself (linking: the page goes to the URL the API answered).
    await context.route(`${github.url}/login/oauth/authorize**`, (route) =>
      route.fulfill({ status: 302, headers: { location: approved(route.request().url()) } })
    )
    // Reached by our server's redirect (sign-in), which Playwright does not route: the server's
    // real answer (its state cookie included), with GitHub's redirect back in place of the consent page.
    await context.route(
      (u) => u.href.startsWith(url("/auth/github")) && u.pathname === "/auth/github",
      async (route) => {
        const response = await route.fetch({ maxRedirects: 0 })
        const location = response.headers().location ?? ""
        return route.fulfill({ response, headers: { ...response.headers(), location: approved(location) } })
      }
    )
    const page = await context.newPage()
    page.on("pageerror", (error) => problems.push(`pageerror: ${error.message}`))
    page.on("console", (message) => {
      if (message.type() === "error" && !/status of 40[13]/.test(message.text())) {
        problems.push(`console: ${message.text()}`)
      }
    })
    return { context, page }
  }

  it("signs a new person up and in with the sign-in page's GitHub button", async () => {
    const { context, page } = await newBrowser(account(5001, "octo", "octo@people.test"))
    await page.goto(url("/sign-in"))
    const button = page.getByRole("link", { name: "Sign in with GitHub" })
    await button.waitFor()
    await shot(page, "sign-in-github")
    await button.click()
    await page.waitForURL(url("/app/api-keys"))
    await page.getByRole("heading", { name: "API keys", level: 1 }).waitFor()
    await page.getByText("octo@people.test").waitFor()
    await page.getByRole("link", { name: "Account" }).click()
    const card = page.getByRole("region", { name: "GitHub" })
    await card.getByText(/Linked to octo \(octo@people\.test\)/).waitFor()
    await context.close()
    expect(problems).toEqual([])
  })

  it("lands on the page the person wanted (`?next=`) after signing in with GitHub", async () => {
    const { context, page } = await newBrowser(account(5004, "hubot", "hubot@people.test"))
    await page.goto(url("/app/domains"))
    // Signed out: sent to sign in with where they were going, and GitHub brings them back there.
    await page.waitForURL(url(`/sign-in?next=${encodeURIComponent("/app/domains")}`))
    await page.getByRole("link", { name: "Sign in with GitHub" }).click()
    await page.waitForURL(url("/app/domains"))
    await page.getByRole("heading", { name: "Domains", level: 1 }).waitFor()
    await context.close()
    expect(problems).toEqual([])
  })

  it("links GitHub to a password account from the account page, lands with a notice, and unlinks", async () => {
    const email = "erin@people.test"
    const api = new Browser(world.server.baseUrl)
    expect(
      (await api.call("POST", "/auth/sign-up", { email, password: PASSWORD, name: "Erin" })).status
    ).toBe(202)
    const verify = await mailTo(world.sink, email, /confirm your email/i, new Set())
    expect((await api.call("POST", "/auth/verify-email", { token: tokenIn(verify) })).status).toBe(200)

    const { context, page } = await newBrowser(account(5002, "erin-gh", "erin.gh@people.test"))
    await page.goto(url("/sign-in"))
    await page.getByLabel("Email").fill(email)
    await page.getByLabel("Password").fill(PASSWORD)
    await page.getByRole("button", { name: "Sign in" }).click()
    await page.waitForURL(url("/app/api-keys"))
    await page.getByRole("link", { name: "Account" }).click()
    const card = page.getByRole("region", { name: "GitHub" })
    await card.getByRole("button", { name: "Link GitHub", exact: true }).click()
    await page.waitForURL(url("/app/account?github=linked"))
    await card.getByRole("status").getByText("Your GitHub account is linked").waitFor()
    await card.getByText(/Linked to erin-gh \(erin\.gh@people\.test\)/).waitFor()
    await shot(page, "account-github-linked")
    const linked = await api.call("GET", "/account/github")
    expect(linked.status).toBe(401) // the API browser has no session: sign it in to read
    await api.signIn(email, PASSWORD)
    expect((await api.call("GET", "/account/github")).body.linked).toBe(true)

    await card.getByRole("button", { name: "Unlink GitHub" }).click()
    await card.getByRole("button", { name: "Link GitHub", exact: true }).waitFor()
    expect((await api.call("GET", "/account/github")).body.linked).toBe(false)
    await context.close()
    expect(problems).toEqual([])
  })
  it("shows a refused GitHub sign-in as a page with the reason in words, not as JSON", async () => {
    const email = "frank@people.test"
    const api = new Browser(world.server.baseUrl)
    expect((await api.call("POST", "/auth/sign-up", { email, password: PASSWORD })).status).toBe(202)
    // A GitHub account whose verified address already has a password account: not taken over.
    const { context, page } = await newBrowser(account(5003, "frank-gh", email))
    await page.goto(url("/sign-in"))
    await page.getByRole("link", { name: "Sign in with GitHub" }).click()
    await page.waitForURL(url("/sign-in/github-refused?reason=address_taken"))
    await page.getByRole("heading", { name: "GitHub sign-in did not work", level: 1 }).waitFor()
    const alert = page.getByRole("alert")
    expect(await alert.textContent()).toContain(
      "An account with your GitHub address already exists: sign in with your password, then link GitHub"
    )
    expect(await alert.textContent()).toContain("Code: github_sign_in_failed")
    expect(await page.content()).not.toContain('"code":')
    await shot(page, "github-refused")
    await page.getByRole("link", { name: "Back to sign in" }).click()
    await page.waitForURL(url("/sign-in"))

    // Consent declined at GitHub, and a state this browser never started.
    await page.goto(url("/auth/github/callback?error=access_denied&state=x"))
    await page.waitForURL(url("/sign-in/github-refused?reason=declined"))
    await page.getByText("You declined access at GitHub: nothing was changed").waitFor()
    await page.goto(url("/auth/github/callback?code=abc&state=not-mine"))
    await page.waitForURL(url("/sign-in/github-refused?reason=state"))
    await page.getByText(/not started in this browser/).waitFor()

    // A crafted address cannot put its own words on the page.
    await page.goto(url("/sign-in/github-refused?reason=Call%20us%20at%20555-0100"))
    await page.getByText("The GitHub sign-in did not work: start again").waitFor()
    expect(await page.content()).not.toContain("555-0100")
    await context.close()

    // A program asking for JSON still gets the contract's answer.
    const json = await fetch(url("/auth/github/callback?error=access_denied&state=x"), {
      headers: { accept: "application/json" }
    })
    expect(json.status).toBe(400)
    expect(await json.json()).toEqual({
      error: "You declined access at GitHub: nothing was changed",
      code: "github_sign_in_failed"
    })
    expect(problems).toEqual([])
  }, 60_000)
})
