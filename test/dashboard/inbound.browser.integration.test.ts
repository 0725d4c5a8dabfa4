import { readFileSync } from "node:fs"
import type { Browser as Chromium, Page } from "playwright-core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { DIST } from "../../apps/dashboard/scripts/ensureBuilt.mjs"
import { Browser, signUpVerified } from "../accounts/browser.js"
import { type AccountsWorld, startAccountsWorld } from "../accounts/harness.js"
import { addInboundDomain } from "../support/domains.js"
import { deliverRaw, inboundMxDoor } from "../support/mx.js"
import { rspamdUrl } from "../support/rspamd.js"
import { screenshotPath } from "../support/screenshots.js"
import { launchChromium } from "./chromium.js"
import { signInAndOpen, watchForProblems } from "./signIn.js"

const PASSWORD = "correct horse battery staple"
const EMAIL = "ines@people.test"

/** Bytes no text decoding would keep as they are. */
const PDF = Buffer.concat([
  Buffer.from("%PDF-1.4\n"),
  Buffer.from([0x00, 0xff, 0xfe, 0x80, 0x0a]),
  Buffer.from("%%EOF")
])

const withAttachment = [
  "From: Paula Payer <paula@sender.test>",
  "To: Billing <billing@acme.test>",
  "Cc: Carl <carl@sender.test>",
  "Subject: Invoice 42 attached",
  "Message-ID: <inv-42@sender.test>",
  "Reply-To: accounts@sender.test",
  "X-Mailer: Sender Mail 3.1",
  "MIME-Version: 1.0",
  'Content-Type: multipart/mixed; boundary="m1"',
  "",
  "--m1",
  'Content-Type: multipart/alternative; boundary="a1"',
  "",
  "--a1",
  "Content-Type: text/plain; charset=utf-8",
  "",
  "Plain words: the invoice is attached.",
  "--a1",
  "Content-Type: text/html; charset=utf-8",
  "",
  "<p>Rich words: <b>the invoice</b> is attached.</p>",
  "--a1--",
  "--m1",
  "Content-Type: application/pdf",
  'Content-Disposition: attachment; filename="invoice-42.pdf"',
  "Content-Transfer-Encoding: base64",
  "",
  PDF.toString("base64"),
  "--m1--",
  ""
].join("\r\n")

const HOSTILE_SUBJECT = "</script><script>window.__pwned=1</script><img src=x onerror=window.__pwned=2>"
const hostile = [
  'From: "<img src=x onerror=alert(1)>" <mallory@sender.test>',
  "To: support@acme.test",
  `Subject: ${HOSTILE_SUBJECT}`,
  "Message-ID: <evil-1@sender.test>",
  "MIME-Version: 1.0",
  "Content-Type: text/html; charset=utf-8",
  "",
  '<p id="still">Static words of a hostile message.</p>',
  "<script>document.getElementById('still').textContent='script ran'; alert('frame script')</script>",
  "<img src=x onerror=\"document.getElementById('still').textContent='handler ran'; alert('handler')\">",
  '<form action="https://evil.test/steal"><button id="go">Go</button></form>',
  '<a id="away" href="https://evil.test/here">here</a> <a id="top" href="https://evil.test/top" target="_top">top</a>',
  ""
].join("\r\n")

/** Received mail and the suppression list in the dashboard, with mail arriving at the product's MX. */
describe("received mail and suppressions in the dashboard", () => {
  let world: AccountsWorld
  let chromium: Chromium | undefined
  let noChromium: unknown
  let mxPort: number
  const problems: Array<string> = []

  beforeAll(async () => {
    chromium = await launchChromium().catch((error: unknown) => {
      noChromium = error
      return undefined
    })
    const mx = await inboundMxDoor()
    mxPort = mx.port
    // The MX scores received mail with a real rspamd, as a server with POSTSTACK_RSPAMD_URL does.
    world = await startAccountsWorld({ dashboardDir: DIST, doors: mx.layer, rspamdUrl: await rspamdUrl() })
    world.dns.publish("sender.test", "TXT", "v=spf1 ip4:127.0.0.1 -all")
  }, 120_000)
  afterAll(async () => {
    await chromium?.close()
    await world?.close()
  })

  const open = async (width: number) => {
    if (chromium === undefined) throw noChromium
    const context = await chromium.newContext({ viewport: { width, height: 900 }, acceptDownloads: true })
    const page = await context.newPage()
    page.setDefaultTimeout(15_000)
    // The sandboxed frame refusing to run the hostile message's script is logged as an error: it
    // is what should happen, and is checked below; anything else is a problem.
    const blocked: Array<string> = []
    page.on("console", (message) => {
      if (/Blocked script execution in 'about:srcdoc'/.test(message.text())) blocked.push(message.text())
    })
    watchForProblems(
      page,
      problems,
      /status of 4(0[134]|22)|Blocked (script execution|form submission)|Blocked opening|Unsafe attempt to initiate navigation/
    )
    const dialogs: Array<string> = []
    page.on("dialog", (dialog) => {
      dialogs.push(dialog.message())
      void dialog.dismiss()
    })
    return { context, page, blocked, dialogs }
  }
  /** The elements reaching past the right edge of the window, named by tag and class. */
  const wider = (page: Page) =>
    page.evaluate<Array<string>>(`[...document.querySelectorAll("body *")]
      .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 1)
      .map((e) => e.tagName.toLowerCase() + (e.className ? "." + String(e.className).split(" ").join(".") : ""))`)
  const shot = (page: Page, name: string) =>
    page.screenshot({ path: screenshotPath(`dash-${name}.png`), fullPage: true })

  it("shows mail received over SMTP, its envelope, body and attachment, hostile content as text, and deletes it", async () => {
    const api = new Browser(world.server.baseUrl)
    await signUpVerified(api, world.sink, EMAIL, PASSWORD)
    const { context, page, blocked, dialogs } = await open(1200)
    await signInAndOpen(page, world.server.baseUrl, { email: EMAIL, password: PASSWORD }, "Received mail")
    // Before any domain: the page says where to start.
    await page.getByText("Nothing received yet").waitFor()
    await page.getByText("Add a domain and verify it on the Domains page first").waitFor()
    await shot(page, "inbound-empty")

    // A verified domain (set up through the API), whose receiving switch the page turns on.
    const key = String(
      (await api.call("POST", "/api-keys", { name: "setup", permission: "full_access" })).body.key
    )
    const domain = await addInboundDomain(world.server.baseUrl, key, world.dns, "acme.test")
    expect(
      (await api.call("PATCH", `/domains/${domain.id}`, { inbound_enabled: false })).status,
      "receiving starts off"
    ).toBe(200)
    await page.reload()
    await page.getByRole("button", { name: "Receive mail at acme.test" }).waitFor()
    await shot(page, "inbound-verified")
    await page.getByRole("button", { name: "Receive mail at acme.test" }).click()
    const receiving = page.getByRole("region", { name: "Where mail is received" })
    await receiving.getByText("MX record:").waitFor()
    expect(await receiving.textContent()).toContain("acme.test")

    // Two messages arrive at the MX as a remote server sends them.
    expect(
      (await deliverRaw(mxPort, "bounce+1@sender.test", ["billing@acme.test"], withAttachment)).response
    ).toMatch(/^250 /)
    expect(
      (await deliverRaw(mxPort, "mallory@sender.test", ["support@acme.test"], hostile)).response
    ).toMatch(/^250 /)

    await page.reload()
    const table = page.getByRole("table", { name: "2 messages" })
    await table.waitFor()
    const rows = table.getByRole("row")
    expect(await rows.count()).toBe(3)
    // Newest first; the hostile subject and sender are plain text.
    expect(await rows.nth(1).textContent()).toContain(HOSTILE_SUBJECT)
    expect(await rows.nth(1).textContent()).toContain("<img src=x onerror=alert(1)>")
    expect(await rows.nth(2).textContent()).toContain("Paula Payer")
    expect(await rows.nth(2).textContent()).toContain("billing@acme.test")
    expect(await rows.nth(2).textContent()).toContain("1 attachment")
    expect(await rows.nth(2).textContent()).not.toContain("Spam")
    expect(await rows.nth(1).textContent()).not.toContain("attachment")
    expect(await page.locator("main img").count()).toBe(0)
    await shot(page, "inbound-list")

    // The message with an attachment: envelope, headers, authentication, body both ways.
    await page.getByRole("link", { name: "Invoice 42 attached" }).click()
    await page.getByRole("heading", { name: "Invoice 42 attached", level: 1 }).waitFor()
    expect(page.url()).toMatch(/\/app\/inbound\?id=\d+$/)
    const facts = page.getByRole("region", { name: "Envelope and headers" })
    const factsText = (await facts.textContent()) ?? ""
    for (const expected of [
      "Paula Payer <paula@sender.test>",
      "Billing <billing@acme.test>",
      "Carl <carl@sender.test>",
      "MAIL FROMbounce+1@sender.test",
      "RCPT TObilling@acme.test",
      "<inv-42@sender.test>",
      "Reply-Toaccounts@sender.test",
      "X-MailerSender Mail 3.1"
    ])
      expect(factsText).toContain(expected)
    // SPF passes: sender.test allows 127.0.0.1; the message has no DKIM signature.
    const auth = (await facts.locator("dl.inbound-auth").textContent()) ?? ""
    expect(auth).toContain("SPFpass")
    expect(auth).toContain("DKIMnone")
    // rspamd found nothing wrong with it: clean, with its score in the details and no badge in the list.
    expect(auth).toMatch(/Spam checkClean score -?\d+(\.\d+)?$/)
    const frame = page.locator('iframe[title="Message body (HTML)"]')
    expect(await frame.getAttribute("sandbox")).toBe("")
    await page.frameLocator('iframe[title="Message body (HTML)"]').getByText("Rich words:").waitFor()
    await page.getByRole("button", { name: "Text", exact: true }).click()
    await page.getByText("Plain words: the invoice is attached.").waitFor()
    expect(await frame.count()).toBe(0)
    const attachments = page.getByRole("table", { name: "1 attachment" })
    expect(await attachments.getByRole("row").nth(1).textContent()).toContain("invoice-42.pdf")
    expect(await attachments.getByRole("row").nth(1).textContent()).toContain("application/pdf")
    expect(await attachments.getByRole("row").nth(1).textContent()).toContain(`${PDF.length} bytes`)
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("link", { name: "Download invoice-42.pdf" }).click()
    ])
    expect(download.suggestedFilename()).toBe("invoice-42.pdf")
    expect(readFileSync(await download.path())).toEqual(PDF)
    await shot(page, "inbound-message")

    // The hostile one: its subject is the page's title as text, its HTML runs nothing.
    await page.getByRole("link", { name: "← Received mail" }).click()
    await page.getByRole("link", { name: HOSTILE_SUBJECT }).click()
    await page.getByRole("heading", { name: HOSTILE_SUBJECT, level: 1 }).waitFor()
    const evil = page.frameLocator('iframe[title="Message body (HTML)"]')
    await evil.getByText("Static words of a hostile message.").waitFor()
    expect(await page.locator('iframe[title="Message body (HTML)"]').getAttribute("sandbox")).toBe("")
    await evil.locator("#go").click()
    await evil.locator("#away").click()
    await evil.locator("#top").click()
    await page.waitForTimeout(300)
    // Nothing left the frame nor moved the page: the form, the link and the top link went nowhere.
    expect(page.frames().map((f) => f.url())).toEqual([page.url(), "about:srcdoc"])
    expect(await evil.locator("#still").textContent()).toBe("Static words of a hostile message.")
    expect(await page.evaluate<unknown>("window.__pwned")).toBeUndefined()
    expect(dialogs).toEqual([])
    expect(blocked.length).toBeGreaterThanOrEqual(1)
    expect(page.url()).toMatch(/\/app\/inbound\?id=\d+$/)
    expect(await page.getByText("<img src=x onerror=alert(1)> <mallory@sender.test>").count()).toBe(1)
    expect(await page.getByRole("table", { name: /attachment/ }).count()).toBe(0)
    await shot(page, "inbound-hostile")

    // Deleted behind a confirmation, it is gone from the list and from the API.
    await page.getByRole("button", { name: "Delete message…" }).click()
    const confirm = page.getByRole("alertdialog")
    expect(await confirm.getByRole("heading").textContent()).toBe(`Delete “${HOSTILE_SUBJECT}”?`)
    await confirm.getByRole("button", { name: "Delete for good" }).click()
    await page.getByRole("status").filter({ hasText: "was deleted" }).waitFor()
    await page.getByRole("table", { name: "1 message" }).waitFor()
    expect(await page.getByRole("link", { name: HOSTILE_SUBJECT }).count()).toBe(0)
    const left = await api.call("GET", "/inbound")
    expect((left.body.meta as { total: number }).total).toBe(1)

    // A narrow screen: the message and the list still fit.
    const narrow = await open(420)
    await signInAndOpen(
      narrow.page,
      world.server.baseUrl,
      { email: EMAIL, password: PASSWORD },
      "Received mail"
    )
    await narrow.page.getByRole("link", { name: "Invoice 42 attached" }).click()
    await narrow.page.getByRole("heading", { name: "Invoice 42 attached", level: 1 }).waitFor()
    const overflow = await wider(narrow.page)
    await shot(narrow.page, "inbound-narrow")
    expect(overflow).toEqual([])
    await narrow.context.close()
    await context.close()
    expect(problems).toEqual([])
  }, 120_000)

  it("adds, finds and removes suppressed addresses, and shows why the product listed one", async () => {
    const api = new Browser(world.server.baseUrl)
    await api.signIn(EMAIL, PASSWORD)
    const key = String(
      (await api.call("POST", "/api-keys", { name: "sender", permission: "full_access" })).body.key
    )
    // A hard bounce: the receiving server refuses the address, so the product lists it.
    world.sink.replies.set("gone@people.test", "550 5.1.1 no such user")
    const sent = await fetch(`${world.server.baseUrl}/emails`, {
      method: "POST",
      headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
      body: JSON.stringify({ from: "shop@acme.test", to: ["gone@people.test"], subject: "Hello", text: "Hi" })
    })
    expect(sent.status).toBe(202)
    const deadline = Date.now() + 20_000
    while (((await api.call("GET", "/suppressions")).body.meta as { total: number }).total === 0) {
      if (Date.now() > deadline) throw new Error("the hard bounce never reached the suppression list")
      await new Promise((r) => setTimeout(r, 200))
    }

    const { context, page, dialogs } = await open(1200)
    await signInAndOpen(page, world.server.baseUrl, { email: EMAIL, password: PASSWORD }, "Suppressions")
    // A reason the API does not know is refused before any listing.
    expect((await api.call("GET", "/suppressions?reason=bogus")).status).toBe(400)
    const list = page.getByRole("table", { name: "1 suppressed address" })
    await list.waitFor()
    expect(await list.getByRole("row").nth(1).textContent()).toContain("gone@people.test")
    expect(await list.getByRole("row").nth(1).textContent()).toContain("Hard bounce")

    // Added by hand, with a reason.
    const add = page.getByRole("form", { name: "Add an address" })
    await add.getByLabel("Email address").fill("Blocked.Person@Elsewhere.test")
    await add.getByLabel("Reason").selectOption({ label: "Spam complaint" })
    await add.getByRole("button", { name: "Add to the list" }).click()
    await page.getByRole("status").filter({ hasText: "is on the list" }).waitFor()
    await page.getByRole("table", { name: "2 suppressed addresses" }).waitFor()
    // The server's refusal shows as its own words.
    await add.getByLabel("Email address").fill("not an address")
    await page.evaluate(
      `for (const input of document.querySelectorAll("input[type=email]")) input.type = "text"`
    )
    await add.getByRole("button", { name: "Add to the list" }).click()
    await add
      .getByRole("alert")
      .getByText(/Invalid email address/)
      .waitFor()

    // Search by part of an address, in any case; then by reason.
    const find = page.getByRole("form", { name: "Find suppressed addresses" })
    await find.getByLabel("Search").fill("ELSEWHERE")
    await find.getByRole("button", { name: "Search" }).click()
    const found = page.getByRole("table", { name: "1 match" })
    await found.waitFor()
    expect(await found.getByRole("row").nth(1).textContent()).toContain("Spam complaint")
    await find.getByLabel("Search").fill("")
    await find.getByLabel("Reason").selectOption({ label: "Hard bounce" })
    await page.getByRole("table", { name: "1 match" }).getByText("gone@people.test").waitFor()
    await find.getByLabel("Reason").selectOption({ label: "Added by hand" })
    await page.getByText("No suppressed address matches.").waitFor()
    await find.getByLabel("Reason").selectOption({ label: "Any reason" })
    await page.getByRole("table", { name: "2 suppressed addresses" }).waitFor()
    await shot(page, "suppressions")

    // Removing asks first and says what it means; cancel keeps it, confirm removes it.
    await page.getByRole("button", { name: "Remove gone@people.test" }).click()
    const confirm = page.getByRole("alertdialog")
    expect(await confirm.textContent()).toContain("Mail will go to this address again")
    expect(await confirm.textContent()).toContain("does not exist")
    await shot(page, "suppressions-confirm")
    await confirm.getByRole("button", { name: "Cancel" }).click()
    expect(await page.getByRole("alertdialog").count()).toBe(0)
    await page.getByRole("button", { name: "Remove gone@people.test" }).click()
    await page.getByRole("alertdialog").getByRole("button", { name: "Remove and allow mail" }).click()
    await page.getByRole("status").filter({ hasText: "mail can go to it again" }).waitFor()
    await page.getByRole("table", { name: "1 suppressed address" }).waitFor()
    const remaining = (await api.call("GET", "/suppressions")).body.data as Array<{ email: string }>
    expect(remaining.map((s) => s.email.toLowerCase())).toEqual(["blocked.person@elsewhere.test"])
    expect(dialogs).toEqual([])

    const narrow = await open(420)
    await signInAndOpen(
      narrow.page,
      world.server.baseUrl,
      { email: EMAIL, password: PASSWORD },
      "Suppressions"
    )
    await narrow.page.getByRole("table", { name: "1 suppressed address" }).waitFor()
    const overflow = await wider(narrow.page)
    await shot(narrow.page, "suppressions-narrow")
    expect(overflow).toEqual([])
    // In a second team with a long name, the bar's team switcher still fits the narrow window.
    const team = await api.call("POST", "/teams", {
      name: "Northwind Traders International Holdings, Accounts Receivable and Collections"
    })
    expect(team.status, team.text).toBe(201)
    await narrow.page.reload()
    await narrow.page.getByRole("table", { name: "1 suppressed address" }).waitFor()
    await narrow.page.getByRole("combobox", { name: "Current team" }).waitFor()
    await shot(narrow.page, "suppressions-narrow-teams")
    expect(await wider(narrow.page)).toEqual([])
    await narrow.context.close()
    await context.close()
    expect(problems).toEqual([])
  }, 120_000)

  it("removes a suppressed address whose local part reads as a path there, and nothing else", async () => {
    const api = new Browser(world.server.baseUrl)
    await api.signIn(EMAIL, PASSWORD)
    const keyId = Number(
      (await api.call("POST", "/api-keys", { name: "kept", permission: "full_access" })).body.id
    )
    // A valid address (`/`, `%` and `#` are all allowed in a local part) that anyone can get
    // listed (an address a signup form took, refused by its own server), which as a raw path
    // segment names another route: removing it once revoked the team's API key.
    const planted = `x/%2e%2e/%2e%2e/api-keys/${keyId}#@evil.test`
    expect((await api.call("POST", "/suppressions", { email: planted, reason: "manual" })).status).toBe(200)

    const { context, page } = await open(1200)
    const deletes: Array<string> = []
    page.on("request", (request) => {
      if (request.method() === "DELETE") deletes.push(new URL(request.url()).pathname)
    })
    await signInAndOpen(page, world.server.baseUrl, { email: EMAIL, password: PASSWORD }, "Suppressions")
    const find = page.getByRole("form", { name: "Find suppressed addresses" })
    await find.getByLabel("Search").fill("evil.test")
    await find.getByRole("button", { name: "Search" }).click()
    await page.getByRole("button", { name: `Remove ${planted}` }).click()
    await page.getByRole("alertdialog").getByRole("button", { name: "Remove and allow mail" }).click()
    await page.getByRole("status").filter({ hasText: "mail can go to it again" }).waitFor()
    expect(deletes).toEqual([`/suppressions/x%2F%252e%252e%2F%252e%252e%2Fapi-keys%2F${keyId}%23@evil.test`])
    const keys = (await api.call("GET", "/api-keys")).body.keys as Array<{ id: number }>
    expect(keys.map((k) => k.id)).toContain(keyId)
    const left = (await api.call("GET", "/suppressions?search=evil.test")).body.data as Array<unknown>
    expect(left).toEqual([])

    // The same for an email's id read from the address: a link cannot make the page read another route.
    const reads: Array<string> = []
    page.on("request", (request) => {
      const url = new URL(request.url())
      if (url.pathname !== "/auth/session") reads.push(`${url.pathname}${url.search}`)
    })
    await page.goto(`${world.server.baseUrl}/app/emails/..%2Fapi-keys%3Fx%3D`)
    await page.getByRole("alert").filter({ hasText: "not_found" }).waitFor()
    expect(reads.filter((r) => r.startsWith("/api-keys"))).toEqual([])
    expect(reads).toContain("/emails/..%2Fapi-keys%3Fx=")
    // A malformed escape is an email not found, not a page that stops working.
    await page.goto(`${world.server.baseUrl}/app/emails/%E0%A4%A`)
    await page.getByRole("alert").filter({ hasText: "not_found" }).waitFor()
    await context.close()
    expect(problems).toEqual([])
  }, 120_000)

  it("writes out the bidirectional controls a sender puts in a name, a subject or a file name", async () => {
    const RLO = "\u202E"
    const spoof = [
      `From: "Bank ${RLO}fdp.exe" <sally@sender.test>`,
      "To: support@acme.test",
      `Subject: Statement ${RLO}gnp.html`,
      "Message-ID: <bidi-1@sender.test>",
      "MIME-Version: 1.0",
      'Content-Type: multipart/mixed; boundary="m1"',
      "",
      "--m1",
      "Content-Type: text/plain; charset=utf-8",
      "",
      "See the statement.",
      "--m1",
      "Content-Type: text/html",
      `Content-Disposition: attachment; filename*=UTF-8''statement${encodeURIComponent(RLO)}gnp.html`,
      "",
      "<p>not a picture</p>",
      "--m1--",
      ""
    ].join("\r\n")
    expect((await deliverRaw(mxPort, "sally@sender.test", ["support@acme.test"], spoof)).response).toMatch(
      /^250 /
    )
    const { context, page } = await open(1200)
    await signInAndOpen(page, world.server.baseUrl, { email: EMAIL, password: PASSWORD }, "Received mail")
    const row = page.getByRole("row").filter({ hasText: "sally@sender.test" })
    await row.waitFor()
    // The override would turn the address after it round: <tset.rednes@yllas>.
    expect(await row.textContent()).toContain("Bank [U+202E]fdp.exesally@sender.test")
    expect(await row.textContent()).toContain("Statement [U+202E]gnp.html")
    await row.getByRole("link").click()
    await page.getByRole("heading", { name: "Statement [U+202E]gnp.html", level: 1 }).waitFor()
    const facts = (await page.getByRole("region", { name: "Envelope and headers" }).textContent()) ?? ""
    expect(facts).toContain("Bank [U+202E]fdp.exe <sally@sender.test>")
    expect(facts).not.toContain(RLO)
    // The file reads as the HTML it is, not as a .png.
    const file = page.getByRole("table", { name: "1 attachment" })
    expect(await file.locator("td.inbound-file").textContent()).toBe("statement[U+202E]gnp.html")
    await file.getByRole("link", { name: "Download statement[U+202E]gnp.html" }).waitFor()
    expect(await page.locator("main").textContent()).not.toContain(RLO)
    await context.close()
    expect(problems).toEqual([])
  }, 120_000)

  it("marks a message rspamd judged spam with a Spam badge and its score, in the list and the message", async () => {
    const gtube = [
      "From: Prize Desk <prizes@sender.test>",
      "To: support@acme.test",
      "Subject: You have won a prize",
      "Message-ID: <gtube-1@sender.test>",
      "MIME-Version: 1.0",
      "Content-Type: text/plain; charset=utf-8",
      "",
      "Claim it now.",
      "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X",
      ""
    ].join("\r\n")
    expect((await deliverRaw(mxPort, "prizes@sender.test", ["support@acme.test"], gtube)).response).toMatch(
      /^250 /
    )
    const { context, page } = await open(1200)
    await signInAndOpen(page, world.server.baseUrl, { email: EMAIL, password: PASSWORD }, "Received mail")
    const row = page.getByRole("row").filter({ hasText: "You have won a prize" })
    await row.waitFor()
    // GTUBE is rspamd's reject pattern: 15 points.
    expect(await row.locator(".badge-failed").textContent()).toBe("Spam 15")
    await row.getByRole("link").click()
    await page.getByRole("heading", { name: "You have won a prize", level: 1 }).waitFor()
    const auth = page.getByRole("region", { name: "Envelope and headers" }).locator("dl.inbound-auth")
    expect(await auth.textContent()).toContain("Spam checkSpam 15")
    expect(await auth.getByText("Clean").count()).toBe(0)
    await shot(page, "inbound-spam")
    await context.close()
    expect(problems).toEqual([])
  }, 120_000)
})
