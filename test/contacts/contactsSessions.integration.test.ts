import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { Browser, mailTo, tokenIn } from "../accounts/browser.js"
import { type AccountsWorld, startAccountsWorld } from "../accounts/harness.js"

/** People reach contacts with their session, as a key does; every role may read and edit the audience. */
describe("contacts from the dashboard session", () => {
  let world: AccountsWorld
  const seen = new Set<number>()
  const password = "correct horse battery staple"

  const person = async (email: string) => {
    const browser = new Browser(world.server.baseUrl)
    expect((await browser.call("POST", "/auth/sign-up", { email, password })).status).toBe(202)
    const token = tokenIn(await mailTo(world.sink, email, /confirm your email/i, seen))
    expect((await browser.call("POST", "/auth/verify-email", { token })).status).toBe(200)
    await browser.signIn(email, password)
    return browser
  }

  beforeAll(async () => {
    world = await startAccountsWorld()
  })
  afterAll(async () => {
    await world?.close()
  })

  it("creates, lists and edits with the session cookie and CSRF token; another person's team stays apart", async () => {
    const dana = await person("dana@people.test")
    const created = await dana.call("POST", "/contacts", { email: "lead@example.com", first_name: "Lead" })
    expect(created.status, created.text).toBe(201)
    const id = (created.body.contact as { publicId: string }).publicId
    expect((await dana.call("PATCH", `/contacts/${id}`, { last_name: "Person" })).status).toBe(200)
    const withoutCsrf = await dana.call("PATCH", `/contacts/${id}`, { last_name: "Forged" }, { csrf: null })
    expect(withoutCsrf.status).toBe(403)
    const listed = await dana.call("GET", "/contacts")
    expect((listed.body.data as Array<{ lastName: string }>).map((c) => c.lastName)).toEqual(["Person"])
    const prop = await dana.call("POST", "/contact-properties", {
      name: "source",
      label: "Source",
      type: "text"
    })
    expect(prop.status, prop.text).toBe(201)

    const eve = await person("eve@people.test")
    expect((await eve.call("GET", `/contacts/${id}`)).status).toBe(404)
    expect((await eve.call("GET", "/contacts")).body.meta).toMatchObject({ total: 0 })
  })
})
