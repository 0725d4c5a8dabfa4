import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { callApi } from "../support/api.js"
import { createTestDatabase, insertTeamWithKey, query } from "../support/database.js"
import { startDnsServer, type TestDnsServer } from "../support/dnsServer.js"
import { addVerifiedDomain } from "../support/domains.js"
import { startTestServer, type TestServer } from "../support/server.js"

type Wire = Record<string, unknown> & { publicId: string; version: number; published: boolean }

describe("templates over HTTP and PostgreSQL", () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>
  let dns: TestDnsServer
  let server: TestServer
  let key: string
  const api = (method: string, path: string, body?: unknown) =>
    callApi(server.baseUrl, key, method, path, body)
  const create = async (body: Record<string, unknown>) => {
    const res = await api("POST", "/templates", body)
    expect(res.status).toBe(201)
    return res.body.template as Wire
  }
  const send = (body: Record<string, unknown>) =>
    api("POST", "/emails", { from: "hello@tpl.test", to: ["ann@receiver.test"], ...body })
  const deliveries = async () =>
    (await query<{ n: number }>(db.url, "SELECT count(*)::int AS n FROM deliveries"))[0]?.n ?? 0

  beforeAll(async () => {
    db = await createTestDatabase()
    dns = await startDnsServer()
    server = await startTestServer({ databaseUrl: db.url, dnsServers: [dns.address] })
    key = (await server.bootstrap()) ?? ""
    await addVerifiedDomain(server.baseUrl, key, dns, "tpl.test")
  })
  afterAll(async () => {
    await server.close()
    await dns.close()
    await db.drop()
  })

  it("creates a draft (201, tpl_ id, version 1), gets, lists with search and published filters", async () => {
    const t = await create({
      name: "Order shipped",
      subject: "Order {{ order }}",
      html: "<p>Hi {{ name }}</p>"
    })
    expect(t).toMatchObject({
      publicId: expect.stringMatching(/^tpl_[0-9a-f]{24}$/),
      name: "Order shipped",
      subject: "Order {{ order }}",
      htmlBody: "<p>Hi {{ name }}</p>",
      textBody: null,
      published: false,
      status: "draft",
      version: 1,
      builderType: "html"
    })
    expect((await api("GET", `/templates/${t.publicId}`)).body.template).toMatchObject({
      name: "Order shipped"
    })
    const other = await create({ name: "Weekly digest", subject: "Digest", text: "news" })
    expect((await api("POST", `/templates/${other.publicId}/publish`)).body.template).toMatchObject({
      published: true,
      status: "published",
      publishedAt: expect.any(String)
    })
    const search = await api("GET", "/templates?search=SHIPPED")
    expect((search.body.data as Array<Wire>).map((x) => x.name)).toEqual(["Order shipped"])
    expect(search.body.meta).toEqual({ page: 1, perPage: 20, total: 1, totalPages: 1 })
    const published = await api("GET", "/templates?published=true")
    expect((published.body.data as Array<Wire>).map((x) => x.name)).toEqual(["Weekly digest"])
    const drafts = await api("GET", "/templates?published=false&per_page=1")
    expect(drafts.body.meta).toMatchObject({ perPage: 1, total: 1 })
  })

  it("refuses syntax errors, unknown filters and file tags at create and update with 422, storing nothing", async () => {
    const before = (await api("GET", "/templates")).body.meta as { total: number }
    for (const body of [
      { name: "bad", subject: "Hi {{ name", html: "x" },
      { name: "bad", subject: "ok", html: "{% if %}" },
      { name: "bad", subject: "ok", html: "{{ name | no_such_filter }}" },
      { name: "bad", subject: "ok", html: '{% include "/etc/passwd" %}' },
      { name: "bad", subject: "ok", text: '{% render "x" %}' },
      { name: "bad", subject: "no body" }
    ]) {
      const res = await api("POST", "/templates", body)
      expect(res.status, JSON.stringify(body)).toBe(422)
      expect(res.body.code).toBe("unprocessable_entity")
    }
    expect(((await api("GET", "/templates")).body.meta as { total: number }).total).toBe(before.total)
    const t = await create({ name: "fine", subject: "s", html: "ok" })
    const bad = await api("PATCH", `/templates/${t.publicId}`, { html: "{% for %}" })
    expect(bad.status).toBe(422)
    expect((await api("GET", `/templates/${t.publicId}`)).body.template).toMatchObject({ htmlBody: "ok" })
  })

  it("renders with escaping by default, lists missing and template variables, reaches nothing else", async () => {
    const t = await create({
      name: "Render me",
      subject: "For {{ name }}",
      html: "<p>{{ name }} {{ code }} {{ name.constructor }}</p>",
      text: "{{ name }}",
      variables: ["extra"]
    })
    const res = await api("POST", `/templates/${t.publicId}/render`, {
      variables: { name: "<b>Ann</b> & co" }
    })
    expect(res.status).toBe(200)
    expect(res.body).toEqual({
      subject: "For <b>Ann</b> & co",
      html: "<p>&lt;b&gt;Ann&lt;/b&gt; &amp; co  </p>",
      text: "<b>Ann</b> & co",
      missing_variables: ["code", "extra"],
      template_variables: ["code", "extra", "name"]
    })
    expect((await api("POST", `/templates/${t.publicId}/render`, {})).body.missing_variables).toEqual([
      "code",
      "extra",
      "name"
    ])
    const wrong = await api("POST", `/templates/${t.publicId}/render`, { variables: { name: 3 } })
    expect(wrong).toMatchObject({ status: 422, body: { code: "unprocessable_entity" } })
    expect(wrong.body.error).toMatch(/name/)
  })

  it("versions: editing a published template makes a new version; drafts keep theirs; sent mail keeps what it used", async () => {
    const t = await create({ name: "Versioned", subject: "v1 {{ who }}", text: "one {{ who }}" })
    expect(
      (await api("PATCH", `/templates/${t.publicId}`, { text: "still one {{ who }}" })).body.template
    ).toMatchObject({ version: 1 })
    await api("POST", `/templates/${t.publicId}/publish`)
    const sent = await send({ template_id: t.publicId, variables: { who: "Ann" } })
    expect(sent.status).toBe(202)
    const renamed = await api("PATCH", `/templates/${t.publicId}`, { name: "Versioned (renamed)" })
    expect(renamed.body.template).toMatchObject({ version: 1, published: true })
    const edited = await api("PATCH", `/templates/${t.publicId}`, {
      subject: "v2 {{ who }}",
      text: "two {{ who }}"
    })
    expect(edited.body.template).toMatchObject({ version: 2, published: true, subject: "v2 {{ who }}" })
    const kept = await query<{ version: number; subject: string }>(
      db.url,
      "SELECT v.version, v.subject FROM template_versions v JOIN templates t ON t.id = v.template_id WHERE t.public_id = $1",
      [t.publicId]
    )
    expect(kept).toEqual([{ version: 1, subject: "v1 {{ who }}" }])
    const first = await api("GET", `/emails/${sent.body.id as string}`)
    expect(first.body.email).toMatchObject({ subject: "v1 Ann", textBody: "still one Ann" })
    const second = await send({ template_id: t.publicId, variables: { who: "Bo" } })
    expect((await api("GET", `/emails/${second.body.id as string}`)).body.email).toMatchObject({
      subject: "v2 Bo",
      textBody: "two Bo"
    })
  })

  it("sends from a published template only: unknown, unpublished, missing or non-string variables are 422 and queue nothing", async () => {
    const t = await create({ name: "Welcome", subject: "Welcome {{ name }}", html: "<h1>Hi {{ name }}</h1>" })
    const queued = await deliveries()
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ template_id: t.publicId, variables: { name: "Ann" } }, /not published/],
      [{ template_id: "tpl_000000000000000000000000", variables: { name: "Ann" } }, /not found/],
      [{ template_id: "welcome" }, /not found/]
    ]
    for (const [body, message] of cases) {
      const res = await send(body)
      expect(res.status, JSON.stringify(body)).toBe(422)
      expect(res.body).toMatchObject({ code: "unprocessable_entity", error: expect.stringMatching(message) })
    }
    await api("POST", `/templates/${t.publicId}/publish`)
    for (const [body, message] of [
      [{ template_id: t.publicId }, /Missing template variables: name/],
      [{ template_id: t.publicId, variables: { name: 42 } }, /variables must be strings: name/],
      [{ template_id: t.publicId, variables: { name: { a: 1 } } }, /strings/]
    ] as const) {
      const res = await send(body)
      expect(res.status).toBe(422)
      expect(res.body.error).toMatch(message)
    }
    expect(await deliveries()).toBe(queued)
    const ok = await send({ template_id: t.publicId, variables: { name: "<Ann>" } })
    expect(ok.status).toBe(202)
    const email = (await api("GET", `/emails/${ok.body.id as string}`)).body.email as Record<string, unknown>
    expect(email).toMatchObject({ subject: "Welcome <Ann>", htmlBody: "<h1>Hi &lt;Ann&gt;</h1>" })
    // The send's own subject wins over the template's.
    const own = await send({ template_id: t.publicId, variables: { name: "Bo" }, subject: "Custom" })
    expect((await api("GET", `/emails/${own.body.id as string}`)).body.email).toMatchObject({
      subject: "Custom"
    })
    await api("POST", `/templates/${t.publicId}/unpublish`)
    expect((await send({ template_id: t.publicId, variables: { name: "Ann" } })).status).toBe(422)
  })

  it("batch: each element renders its own template and variables, failures stay per element", async () => {
    const t = await create({ name: "Batch", subject: "Hi {{ name }}", text: "Hello {{ name }}" })
    await api("POST", `/templates/${t.publicId}/publish`)
    const res = await api("POST", "/emails/batch", {
      emails: [
        {
          from: "hello@tpl.test",
          to: ["a@receiver.test"],
          template_id: t.publicId,
          variables: { name: "A" }
        },
        { from: "hello@tpl.test", to: ["b@receiver.test"], template_id: t.publicId, variables: { name: 1 } },
        { from: "hello@tpl.test", to: ["c@receiver.test"], template_id: "tpl_111111111111111111111111" },
        { from: "hello@tpl.test", to: ["d@receiver.test"], template_id: t.publicId, variables: { name: "D" } }
      ]
    })
    expect(res.status).toBe(202)
    const data = res.body.data as Array<Record<string, unknown>>
    expect(data[0]).toEqual({ id: expect.stringMatching(/^em_/) })
    expect(data[1]).toMatchObject({ code: "unprocessable_entity", error: expect.stringMatching(/strings/) })
    expect(data[2]).toMatchObject({ code: "unprocessable_entity", error: expect.stringMatching(/not found/) })
    const d = (await api("GET", `/emails/${data[3]?.id as string}`)).body.email
    expect(d).toMatchObject({ subject: "Hi D", textBody: "Hello D" })
  })

  it("reads the recipient's contact fields, and nothing when the address is no contact", async () => {
    await api("POST", "/contacts", { email: "ann@receiver.test", first_name: "Ann" })
    const t = await create({ name: "Contact", subject: "Hi {{ contact.first_name }}", text: "x" })
    await api("POST", `/templates/${t.publicId}/publish`)
    const known = await send({ template_id: t.publicId })
    expect((await api("GET", `/emails/${known.body.id as string}`)).body.email).toMatchObject({
      subject: "Hi Ann"
    })
    const unknown = await send({ template_id: t.publicId, to: ["zed@receiver.test"] })
    expect((await api("GET", `/emails/${unknown.body.id as string}`)).body.email).toMatchObject({
      subject: "Hi "
    })
  })

  it("compiles visual builder blocks to responsive HTML and refuses bad blocks with 422", async () => {
    const t = await create({
      name: "Visual",
      subject: "Visual {{ name }}",
      builder_type: "visual",
      builder_blocks: {
        blocks: [
          { type: "heading", text: "Hello {{ name }}" },
          { type: "text", text: "Line one\nLine <two>" },
          { type: "button", text: "Open", url: "https://example.com/go" },
          { type: "divider" }
        ],
        contentWidth: 600
      }
    })
    expect(t.builderType).toBe("visual")
    const html = t.htmlBody as string
    expect(html).toMatch(/^<!doctype html>/i)
    expect(html).toContain("@media")
    expect(html).toContain("https://example.com/go")
    expect(html).toContain("Line one<br />Line &lt;two&gt;")
    const rendered = await api("POST", `/templates/${t.publicId}/render`, { variables: { name: "Ann" } })
    expect(rendered.body.html as string).toContain("Hello Ann")
    for (const blocks of [
      { blocks: [{ type: "video" }] },
      { blocks: [{ type: "button", text: "x", url: "javascript:alert(1)" }] },
      { blocks: [] },
      "not blocks"
    ]) {
      const res = await api("POST", "/templates", {
        name: "v",
        subject: "s",
        builder_type: "visual",
        builder_blocks: blocks
      })
      expect(res.status, JSON.stringify(blocks)).toBe(422)
      expect(res.body.error).toMatch(/builder_blocks/)
    }
  })

  it("duplicates, deletes, lists and uses presets; another team sees none of it (404)", async () => {
    const t = await create({ name: "Original", subject: "s", html: "<p>x</p>" })
    await api("POST", `/templates/${t.publicId}/publish`)
    const dup = await api("POST", `/templates/${t.publicId}/duplicate`)
    expect(dup.status).toBe(200)
    expect(dup.body.template).toMatchObject({
      name: "Original (copy)",
      published: false,
      version: 1,
      htmlBody: "<p>x</p>"
    })
    expect((dup.body.template as Wire).publicId).not.toBe(t.publicId)

    const presets = await api("GET", "/templates/presets")
    expect((presets.body.data as Array<{ id: string }>).map((p) => p.id)).toEqual([
      "welcome",
      "password-reset",
      "receipt",
      "newsletter"
    ])
    expect(presets.body.presets).toEqual(presets.body.data)
    const used = await api("POST", "/templates/presets/welcome/use")
    expect(used.status).toBe(201)
    expect(used.body.template).toMatchObject({ name: "Welcome", published: false })
    expect(used.body.publicId).toBe((used.body.template as Wire).publicId)
    expect((await api("POST", "/templates/presets/nope/use")).status).toBe(404)

    const other = await insertTeamWithKey(db.url, "other")
    const as = (method: string, path: string) =>
      callApi(
        server.baseUrl,
        other,
        method,
        path,
        method === "PATCH" ? { name: "x" } : path.endsWith("/render") ? {} : undefined
      )
    for (const [method, path] of [
      ["GET", `/templates/${t.publicId}`],
      ["PATCH", `/templates/${t.publicId}`],
      ["DELETE", `/templates/${t.publicId}`],
      ["POST", `/templates/${t.publicId}/publish`],
      ["POST", `/templates/${t.publicId}/unpublish`],
      ["POST", `/templates/${t.publicId}/duplicate`],
      ["POST", `/templates/${t.publicId}/render`]
    ] as const)
      expect((await as(method, path)).status, `${method} ${path}`).toBe(404)
    expect(((await as("GET", "/templates")).body.meta as { total: number }).total).toBe(0)
    expect((await api("GET", "/templates/42")).body.code).toBe("invalid_request")

    expect(await api("DELETE", `/templates/${t.publicId}`)).toEqual({
      status: 200,
      body: { success: true, deleted: true }
    })
    expect((await api("GET", `/templates/${t.publicId}`)).status).toBe(404)
  })
})
