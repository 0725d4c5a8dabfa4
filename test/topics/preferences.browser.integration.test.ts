import type { Browser as Chromium, Page } from "playwright-core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { launchChromium } from "../dashboard/chromium.js"
import { query } from "../support/database.js"
import { type Harness, startHarness } from "../tracking/harness.js"
import { screenshotPath } from "../support/screenshots.js"

/** The URL in a message's List-Unsubscribe header (unfolded). */
const unsubscribeHeader = (raw: Buffer) =>
  /^List-Unsubscribe: <([^>]+)>/im.exec(raw.toString().replace(/\r\n[ \t]+/g, " "))?.[1] ?? ""

/**
 * The preference page behind unsubscribe links, over real HTTP and in headless Chromium: the
 * reader sees every topic of the team and leaves one or all; mail sent for a topic carries it in
 * its signed link, so RFC 8058's one-click leaves that topic only.
 */
describe("the preference page", () => {
  let h: Harness
  let chromium: Chromium | undefined
  let noChromium: unknown
  const problems: Array<string> = []
  const topics: Record<string, { id: number; publicId: string }> = {}
  const contacts: Record<string, string> = {}

  /** The delivered copy's unsubscribe link, moved onto the test server. */
  const linkOf = async (recipient: string, subject: string) => {
    const header = unsubscribeHeader((await h.received(recipient, subject)).raw)
    const url = new URL(header)
    return `${h.server.baseUrl}${url.pathname}${url.search}`
  }
  const choicesOf = (email: string) =>
    query<{ name: string; subscribed: boolean }>(
      h.db.url,
      `SELECT t.name, s.subscribed FROM topic_subscriptions s JOIN subscription_topics t ON t.id = s.topic_id
       JOIN contacts c ON c.id = s.contact_id WHERE c.email = $1 ORDER BY t.id`,
      [email]
    )
  const suppressionsOf = (email: string) =>
    query<{ reason: string }>(h.db.url, "SELECT reason FROM suppressions WHERE email = $1", [email])
  const openPage = async (link: string): Promise<Page> => {
    if (chromium === undefined) throw noChromium
    const page = await chromium.newPage()
    page.on("pageerror", (error) => problems.push(`pageerror: ${error.message}`))
    page.on("console", (m) => {
      // The forged links' pages answer 404 on purpose (and Chromium asks for a favicon there is none of).
      if (m.type() === "error" && !/status of 404/.test(m.text())) problems.push(`console: ${m.text()}`)
    })
    await page.goto(link)
    return page
  }

  beforeAll(async () => {
    chromium = await launchChromium().catch((error: unknown) => {
      noChromium = error
      return undefined
    })
    h = await startHarness("prefs.test")
    for (const [name, description] of [
      ["Product news", "What we ship"],
      ["Events", null],
      ["<b>Bold</b> & co", "Escaped <i>text</i>"]
    ] as const) {
      const res = await h.call("POST", "/subscription-topics", { name, description })
      expect(res.status).toBe(201)
      topics[name] = res.body.topic as { id: number; publicId: string }
    }
    for (const email of ["dora@receiver.test", "eve@receiver.test", "fay@receiver.test"]) {
      const res = await h.call("POST", "/contacts", { email })
      expect(res.status).toBe(201)
      contacts[email] = (res.body.contact as { publicId: string }).publicId
    }
  })
  afterAll(async () => {
    await chromium?.close()
    await h?.close()
  })

  it("lists every topic, and leaving one with the form persists (and shows on the next visit)", async () => {
    await h.send(["dora@receiver.test"], { subject: "Monthly letter", unsubscribe: true })
    const link = await linkOf("dora@receiver.test", "Monthly letter")
    expect(link).not.toContain("topic=")
    const page = await openPage(link)
    await page.getByRole("heading", { name: "Email preferences", level: 1 }).waitFor()
    for (const name of ["Product news", "Events", "<b>Bold</b> & co"])
      expect(await page.getByRole("checkbox", { name, exact: false }).isChecked()).toBe(true)
    // The team's text is shown as text, never as markup.
    expect(await page.getByText("Escaped <i>text</i>").isVisible()).toBe(true)
    expect(await page.locator("main b, main i").count()).toBe(0)
    await page.screenshot({ path: screenshotPath("prefs-page.png"), fullPage: true })

    await page.getByRole("checkbox", { name: "Events" }).uncheck()
    await page.getByRole("button", { name: "Save preferences" }).click()
    await page.getByRole("heading", { name: "Your preferences are saved" }).waitFor()
    expect(await choicesOf("dora@receiver.test")).toEqual([{ name: "Events", subscribed: false }])
    // Not a global opt-out: no suppression, the contact still subscribed.
    expect(await suppressionsOf("dora@receiver.test")).toEqual([])
    const counts = await h.call("GET", `/subscription-topics/${topics.Events?.publicId}`)
    expect(counts.body.unsubscribedCount).toBe(1)

    await page.goto(link)
    expect(await page.getByRole("checkbox", { name: "Events" }).isChecked()).toBe(false)
    expect(await page.getByRole("checkbox", { name: "Product news" }).isChecked()).toBe(true)
    // Joining again from the same form.
    await page.getByRole("checkbox", { name: "Events" }).check()
    await page.getByRole("button", { name: "Save preferences" }).click()
    await page.getByRole("heading", { name: "Your preferences are saved" }).waitFor()
    expect(await choicesOf("dora@receiver.test")).toEqual([{ name: "Events", subscribed: true }])
    await page.close()
  })

  it("mail sent for a topic: one-click leaves that topic only; the page names it", async () => {
    // A topic send (as a broadcast will make): the email names its topic before it is delivered.
    const id = await h.send(["eve@receiver.test", "fay@receiver.test"], {
      subject: "New release",
      unsubscribe: true,
      scheduled_at: new Date(Date.now() + 2_000).toISOString()
    })
    await query(h.db.url, "UPDATE emails SET topic_id = $2 WHERE public_id = $1", [
      id,
      topics["Product news"]?.id
    ])
    const eveLink = await linkOf("eve@receiver.test", "New release")
    expect(eveLink).toMatch(new RegExp(`/u/${id}/\\d+/[\\w-]{22}\\?topic=${topics["Product news"]?.id}$`))

    const page = await openPage(eveLink)
    await page.getByText("You received this email because you are subscribed to").waitFor()
    expect(await page.locator("main").textContent()).toContain("Product news")
    await page.close()

    const res = await fetch(eveLink, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: "List-Unsubscribe=One-Click"
    })
    expect(res.status).toBe(200)
    expect(await res.text()).toContain("You are unsubscribed from this topic")
    expect(await choicesOf("eve@receiver.test")).toEqual([{ name: "Product news", subscribed: false }])
    expect(await suppressionsOf("eve@receiver.test")).toEqual([])
    const eve = await h.call("GET", `/contacts/${contacts["eve@receiver.test"]}`)
    expect((eve.body.contact as { unsubscribed: boolean }).unsubscribed).toBe(false)
    // Webhooks hear one contact.updated naming the topic left, and no contact.unsubscribed: Eve
    // still gets the team's other mail.
    const told = await query<{ type: string; topic: unknown }>(
      h.db.url,
      "SELECT type, payload->'topic' AS topic FROM events WHERE type LIKE 'contact.%' AND payload->>'email' = $1",
      ["eve@receiver.test"]
    )
    expect(told.filter((e) => e.type !== "contact.created")).toEqual([
      {
        type: "contact.updated",
        topic: { topic_id: topics["Product news"]?.publicId, name: "Product news", subscribed: false }
      }
    ])
    // Fay's copy of the same mail is hers alone: she is still in.
    expect(await choicesOf("fay@receiver.test")).toEqual([])

    // The page's own button for the link's topic does the same for Fay.
    const fay = await openPage(await linkOf("fay@receiver.test", "New release"))
    await fay.getByRole("button", { name: "Unsubscribe from Product news" }).click()
    await fay.getByRole("heading", { name: "You are unsubscribed from this topic" }).waitFor()
    expect(await choicesOf("fay@receiver.test")).toEqual([{ name: "Product news", subscribed: false }])
    await fay.close()
  })

  it("a forged or altered link is a clear 404 page, GET or POST, and changes nothing", async () => {
    const link = await linkOf("eve@receiver.test", "New release")
    const before = JSON.stringify([
      await query(h.db.url, "SELECT * FROM topic_subscriptions ORDER BY id"),
      await query(h.db.url, "SELECT * FROM suppressions ORDER BY id")
    ])
    const url = new URL(link)
    const otherTopic = `${url.origin}${url.pathname}?topic=${topics.Events?.id}`
    const noTopic = `${url.origin}${url.pathname}`
    const parts = url.pathname.split("/")
    parts[4] = `${parts[4]?.[0] === "A" ? "B" : "A"}${parts[4]?.slice(1)}`
    const badSignature = `${url.origin}${parts.join("/")}${url.search}`
    for (const forged of [otherTopic, noTopic, badSignature, `${link}0`]) {
      const page = await fetch(forged)
      expect(page.status).toBe(404)
      expect(page.headers.get("content-type")).toContain("text/html")
      expect(await page.text()).toContain("This link is not valid")
      for (const body of ["List-Unsubscribe=One-Click", "action=all", "action=save"]) {
        const post = await fetch(forged, {
          method: "POST",
          headers: { "Content-Type": "application/x-www-form-urlencoded" },
          body
        })
        expect(post.status).toBe(404)
      }
    }
    const page = await openPage(otherTopic)
    await page.getByRole("heading", { name: "This link is not valid" }).waitFor()
    await page.close()
    expect(
      JSON.stringify([
        await query(h.db.url, "SELECT * FROM topic_subscriptions ORDER BY id"),
        await query(h.db.url, "SELECT * FROM suppressions ORDER BY id")
      ])
    ).toBe(before)
  })

  it("leaving everything: suppressed, and the contact marked unsubscribed, agreeing", async () => {
    const page = await openPage(await linkOf("eve@receiver.test", "New release"))
    await page.getByRole("button", { name: "Unsubscribe from all emails" }).click()
    await page.getByRole("heading", { name: "You are unsubscribed", exact: true }).waitFor()
    await page.close()
    expect(await suppressionsOf("eve@receiver.test")).toEqual([{ reason: "unsubscribe" }])
    const [row] = await query<{ unsubscribed: boolean }>(
      h.db.url,
      "SELECT unsubscribed FROM contacts WHERE email = 'eve@receiver.test'"
    )
    expect(row?.unsubscribed).toBe(true)
    const eve = await h.call("GET", `/contacts/${contacts["eve@receiver.test"]}`)
    expect(eve.body.contact).toMatchObject({ unsubscribed: true, suppressionReason: "unsubscribe" })
    const events = await query<{ type: string }>(
      h.db.url,
      "SELECT type FROM events WHERE payload->>'contact_id' = $1 AND type = 'contact.unsubscribed'",
      [contacts["eve@receiver.test"]]
    )
    expect(events).toHaveLength(1)
    expect(problems).toEqual([])
  })
})
