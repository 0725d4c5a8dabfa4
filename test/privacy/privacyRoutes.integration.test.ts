import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { Browser, mailTo, tokenIn } from "../accounts/browser.js"
import { type AccountsWorld, startAccountsWorld } from "../accounts/harness.js"
import { callApi } from "../support/api.js"
import { sdk } from "../support/sdkClient.js"
import { eventually } from "../support/webhookReceiver.js"

const SUBJECT = "ann.subject@people.test"

describe("data subjects over HTTP: export, erasure, progress and the archive", () => {
  let world: AccountsWorld
  let exportId = ""
  const seen = new Set<number>()
  const password = "correct horse battery staple"
  const api = (method: string, path: string, body?: unknown) =>
    callApi(world.server.baseUrl, world.key, method, path, body)
  const finished = (id: string) =>
    eventually(
      () => api("GET", `/privacy/jobs/${id}`),
      (res) => res.body.status === "done",
      30_000
    )
  const person = async (email: string) => {
    const browser = new Browser(world.server.baseUrl)
    expect((await browser.call("POST", "/auth/sign-up", { email, password })).status).toBe(202)
    const token = tokenIn(await mailTo(world.sink, email, /confirm your email/i, seen))
    expect((await browser.call("POST", "/auth/verify-email", { token })).status).toBe(200)
    const signedIn = await browser.signIn(email, password)
    return { browser, teamId: (signedIn.body.teams as Array<{ id: number }>)[0]?.id ?? 0 }
  }

  beforeAll(async () => {
    world = await startAccountsWorld()
  })
  afterAll(async () => {
    await world?.close()
  })

  it("exports what the team holds about an address, as a downloadable JSON archive", async () => {
    await sdk(world.key, { baseUrl: world.server.baseUrl }).contacts.create({
      email: SUBJECT,
      first_name: "Ann"
    })
    const sent = await api("POST", "/emails", {
      from: "hello@system.test",
      to: [SUBJECT],
      subject: "Your order",
      text: "hello"
    })
    expect(sent.status).toBe(202)
    const requested = await api("POST", "/privacy/exports", { email: `  ${SUBJECT.toUpperCase()} ` })
    expect(requested.status).toBe(202)
    expect(requested.body).toMatchObject({
      object: "privacy_job",
      kind: "export",
      email: SUBJECT,
      downloadable: false,
      progress: { stagesTotal: 1 }
    })
    const done = await finished(String(requested.body.id))
    expect(done.body).toMatchObject({ status: "done", downloadable: true, report: null })
    exportId = String(requested.body.id)
    const res = await fetch(`${world.server.baseUrl}/privacy/jobs/${requested.body.id}/archive`, {
      headers: { Authorization: `Bearer ${world.key}` }
    })
    expect(res.status).toBe(200)
    expect(res.headers.get("content-type")).toMatch(/^application\/json/)
    expect(res.headers.get("content-disposition")).toBe(
      `attachment; filename="poststack-export-${requested.body.id}.json"`
    )
    const archive = (await res.json()) as Record<string, Array<Record<string, unknown>>>
    expect(archive.subject).toBe(SUBJECT)
    expect(archive.contacts).toEqual([expect.objectContaining({ email: SUBJECT, first_name: "Ann" })])
    expect(archive.emails).toEqual([expect.objectContaining({ id: sent.body.id, subject: "Your order" })])
    // The request is in the audit log, naming the job and never the address.
    const audit = await api("GET", "/audit-log?action=data.exported")
    expect(JSON.stringify(audit.body)).toContain(String(requested.body.id))
    expect(JSON.stringify(audit.body)).not.toContain(SUBJECT)
  })

  it("an address the team never heard of gives an empty export, not an error", async () => {
    const requested = await api("POST", "/privacy/exports", { email: "nobody.at.all@nowhere.test" })
    expect(requested.status).toBe(202)
    await finished(String(requested.body.id))
    const res = await fetch(`${world.server.baseUrl}/privacy/jobs/${requested.body.id}/archive`, {
      headers: { Authorization: `Bearer ${world.key}` }
    })
    expect(res.status).toBe(200)
    const archive = (await res.json()) as Record<string, unknown>
    for (const kind of ["emails", "events", "contacts", "inbound", "webhookDeliveries", "suppressions"])
      expect(archive[kind], kind).toEqual([])
  })

  it("erases the address, reports what went and forgets whom; its job has no archive", async () => {
    await sdk(world.key, { baseUrl: world.server.baseUrl }).suppressions.add({
      email: SUBJECT,
      reason: "manual"
    })
    const requested = await api("POST", "/privacy/erasures", { email: SUBJECT })
    expect(requested.status).toBe(202)
    expect(requested.body).toMatchObject({ kind: "erase", status: "pending", progress: { stagesTotal: 5 } })
    const done = await finished(String(requested.body.id))
    expect(done.body).toMatchObject({
      status: "done",
      email: null,
      downloadable: false,
      progress: { stage: "done", stagesDone: 5, stagesTotal: 5 }
    })
    const report = done.body.report as Record<string, number>
    expect(report.contacts).toBe(1)
    expect(report.emails).toBeGreaterThanOrEqual(1)
    const contact = await api("GET", `/contacts/by-email/${encodeURIComponent(SUBJECT)}`)
    expect(contact.status).toBe(404)
    // The suppression entry stays (P26), with the address in clear (docs/privacy.md).
    const suppressions = await sdk(world.key, { baseUrl: world.server.baseUrl }).suppressions.list({
      per_page: 100
    })
    expect(suppressions.data.map((s) => s.email)).toContain(SUBJECT)
    const archive = await api("GET", `/privacy/jobs/${requested.body.id}/archive`)
    expect(archive.status).toBe(409)
    expect(archive.body).toEqual({ error: "An erasure has no archive", code: "conflict" })
    // The erasure deleted the earlier export's archive: the job no longer offers it.
    const earlier = await api("GET", `/privacy/jobs/${exportId}`)
    expect(earlier.body).toMatchObject({ kind: "export", status: "done", downloadable: false })
    const gone = await api("GET", `/privacy/jobs/${exportId}/archive`)
    expect(gone.status).toBe(409)
    expect(gone.body).toEqual({
      error: "The export's archive was deleted when its address was erased",
      code: "conflict"
    })
  })

  it("refuses what is not an address, with a clear 422", async () => {
    const res = await api("POST", "/privacy/erasures", { email: "not an address" })
    expect(res.status).toBe(422)
    expect(res.body.error).toMatch(/email/)
    const missing = await api("POST", "/privacy/exports", {})
    expect(missing.status).toBe(400)
  })

  it("a sending key and a member get 403; another team's job is not found", async () => {
    const sending = await sdk(world.key, { baseUrl: world.server.baseUrl }).apiKeys.create({
      name: "sender",
      permission: "sending_access"
    })
    const job = await api("POST", "/privacy/exports", { email: SUBJECT })
    const jobId = String(job.body.id)
    for (const [method, path, body] of [
      ["POST", "/privacy/exports", { email: SUBJECT }],
      ["POST", "/privacy/erasures", { email: SUBJECT }],
      ["GET", `/privacy/jobs/${jobId}`, undefined],
      ["GET", `/privacy/jobs/${jobId}/archive`, undefined]
    ] as const) {
      const res = await callApi(world.server.baseUrl, String(sending.key), method, path, body)
      expect(res.status, `${method} ${path}`).toBe(403)
      expect(res.body.code).toBe("forbidden")
    }

    // An owner of another team: their own export works, ours is not found.
    const alice = await person("alice.privacy@people.test")
    const own = await alice.browser.call("POST", "/privacy/exports", { email: SUBJECT })
    expect(own.status, own.text).toBe(202)
    for (const path of [`/privacy/jobs/${jobId}`, `/privacy/jobs/${jobId}/archive`]) {
      const res = await alice.browser.call("GET", path)
      expect(res.status, path).toBe(404)
      expect(res.body).toEqual({ error: "Export or erasure not found", code: "not_found" })
    }

    // A member of alice's team: refused.
    const invited = await alice.browser.call("POST", `/teams/${alice.teamId}/invitations`, {
      email: "bob.privacy@people.test",
      role: "member"
    })
    expect(invited.status, invited.text).toBe(201)
    const token = tokenIn(await mailTo(world.sink, "bob.privacy@people.test", /invited to join/i, seen))
    const bob = await person("bob.privacy@people.test")
    expect((await bob.browser.call("POST", "/teams/join", { token })).status).toBeLessThan(300)
    expect((await bob.browser.call("PUT", "/auth/session/team", { team_id: alice.teamId })).status).toBe(200)
    for (const path of ["/privacy/exports", "/privacy/erasures"]) {
      const res = await bob.browser.call("POST", path, { email: SUBJECT })
      expect(res.status, path).toBe(403)
    }
    expect((await bob.browser.call("GET", `/privacy/jobs/${own.body.id}`)).status).toBe(403)
  })
})
