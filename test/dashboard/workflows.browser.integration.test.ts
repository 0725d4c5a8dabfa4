import type { Browser as Chromium, Page } from "playwright-core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { DIST } from "../../apps/dashboard/scripts/ensureBuilt.mjs"
import { Browser, mailTo, tokenIn } from "../accounts/browser.js"
import { type AccountsWorld, startAccountsWorld } from "../accounts/harness.js"
import { launchChromium } from "./chromium.js"
import { signInAndOpen, watchForProblems } from "./signIn.js"
import { screenshotPath } from "../support/screenshots.js"

const PASSWORD = "correct horse battery staple"
const EMAIL = "wren@people.test"

const node = (public_id: string, type: string, config: unknown = {}) => ({
  public_id,
  type,
  config,
  canvas_x: 0,
  canvas_y: 0
})
const edge = (from: string, to: string, branch: string | null = null) => ({
  from_public_id: from,
  to_public_id: to,
  branch
})
/** Enter, set a name, wait for an event, then branch on the contact's name. */
const onboarding = {
  nodes: [
    node("t", "trigger"),
    node("u", "update_contact", { first_name: "Ann" }),
    node("w", "wait", { event: "paid", timeout: "1h" }),
    node("c", "condition", {
      rules: { operator: "and", conditions: [{ field: "firstName", comparator: "equals", value: "Ann" }] }
    }),
    node("yes", "exit"),
    node("no", "exit")
  ],
  edges: [
    edge("t", "u"),
    edge("u", "w"),
    edge("w", "c"),
    edge("c", "yes", "match"),
    edge("c", "no", "no_match")
  ]
}

/** The workflows page in headless Chromium: the graph drawn, its errors on the nodes, runs' paths. */
describe("workflows in the dashboard", () => {
  let world: AccountsWorld
  let api: Browser
  let chromium: Chromium | undefined
  let noChromium: unknown
  const problems: Array<string> = []

  beforeAll(async () => {
    chromium = await launchChromium().catch((error: unknown) => {
      noChromium = error
      return undefined
    })
    world = await startAccountsWorld({ dashboardDir: DIST })
    api = new Browser(world.server.baseUrl)
    expect(
      (await api.call("POST", "/auth/sign-up", { email: EMAIL, password: PASSWORD, name: "Wren" })).status
    ).toBe(202)
    const verify = await mailTo(world.sink, EMAIL, /confirm your email/i, new Set())
    expect((await api.call("POST", "/auth/verify-email", { token: tokenIn(verify) })).status).toBe(200)
    await api.signIn(EMAIL, PASSWORD)
  })
  afterAll(async () => {
    await chromium?.close()
    await world?.close()
  })

  const shot = (page: Page, name: string) =>
    page.screenshot({ path: screenshotPath(`dash-workflows-${name}.png`), fullPage: true })
  const signedIn = async () => {
    if (chromium === undefined) throw noChromium
    const context = await chromium.newContext({ viewport: { width: 1280, height: 900 } })
    const page = await context.newPage()
    watchForProblems(page, problems, /status of 4\d\d/)
    await signInAndOpen(page, world.server.baseUrl, { email: EMAIL, password: PASSWORD }, "Workflows")
    return { context, page }
  }
  const workflowId = async (name: string) => {
    const list = (await api.call("GET", "/workflows")).body.data as Array<{ name: string; publicId: string }>
    return list.find((w) => w.name === name)?.publicId ?? ""
  }

  it("draws a graph with its errors on the nodes, refuses to activate it, and activates it once fixed", async () => {
    const { context, page } = await signedIn()
    await page.getByText("No workflows yet.").waitFor()
    const form = page.getByRole("form", { name: "Create a workflow" })
    await form.getByLabel("Name").fill("Onboarding")
    await form.getByLabel("Trigger").selectOption("manual")
    await form.getByRole("button", { name: "Create workflow" }).click()
    const detail = page.getByRole("region", { name: "Workflow Onboarding" })
    await detail.getByText("This workflow has no nodes yet.").waitFor()

    // An unfinished graph, written through the API: the condition's no branch is not wired.
    const id = await workflowId("Onboarding")
    const broken = {
      nodes: onboarding.nodes.filter((n) => n.public_id !== "no"),
      edges: onboarding.edges.filter((e) => e.to_public_id !== "no")
    }
    expect((await api.call("PUT", `/workflows/${id}/graph`, broken)).status).toBe(200)
    await detail.getByRole("button", { name: "Refresh" }).click()
    const graph = detail.getByRole("img", { name: /^Graph of Onboarding/ })
    await detail.getByRole("img", { name: "Graph of Onboarding: 5 nodes" }).waitFor()
    expect(await detail.getByRole("list", { name: "Validation errors" }).textContent()).toContain(
      "node c: the no_match branch is not wired"
    )
    const condition = graph.locator('[data-node="c"]')
    expect(await condition.getAttribute("data-invalid")).toBe("true")
    expect(await condition.textContent()).toContain("the no_match branch is not wired")
    expect(await graph.locator('[data-node="u"]').getAttribute("data-invalid")).toBeNull()
    expect(await graph.locator("[data-edge]").count()).toBe(4)
    await shot(page, "invalid")
    await detail.getByRole("button", { name: "Activate" }).click()
    await detail
      .getByRole("alert")
      .getByText(/no_match branch is not wired/)
      .first()
      .waitFor()
    expect(
      await page
        .getByRole("row", { name: /Onboarding/ })
        .getByText("draft")
        .count()
    ).toBe(1)

    expect((await api.call("PUT", `/workflows/${id}/graph`, onboarding)).status).toBe(200)
    await detail.getByRole("button", { name: "Refresh" }).click()
    await detail.getByText("The graph is valid: it can run.").waitFor()
    await detail.getByRole("img", { name: "Graph of Onboarding: 6 nodes" }).waitFor()
    expect(await graph.locator("[data-invalid]").count()).toBe(0)
    expect(await graph.locator(".wf-branch").allTextContents()).toEqual(["yes", "no"])
    await detail.getByRole("button", { name: "Activate" }).click()
    await page
      .getByRole("row", { name: /Onboarding/ })
      .getByText("active")
      .waitFor()
    await shot(page, "valid")
    expect(problems).toEqual([])
    await context.close()
  })

  it("shows each run's path: the nodes passed highlighted, the one it waits at ringed; pauses the workflow", async () => {
    const id = await workflowId("Onboarding")
    const made = await api.call("POST", "/contacts", { email: "ann@example.com" })
    const contact = (made.body.contact as { publicId: string }).publicId
    const started = await api.call("POST", `/workflows/${id}/trigger`, { contact_id: contact })
    expect(started.status, started.text).toBe(201)
    const runId = (started.body.run as { id: number }).id
    // The worker takes the run to its wait.
    const deadline = Date.now() + 20_000
    while (true) {
      const run = (await api.call("GET", `/workflows/${id}/runs/${runId}`)).body.run as {
        currentNodeId: string
      }
      const steps = (await api.call("GET", `/workflows/${id}/runs/${runId}`)).body.steps as Array<{
        outcome: string
      }>
      if (run.currentNodeId === "w" && steps.some((s) => s.outcome === "waiting")) break
      if (Date.now() > deadline) throw new Error("the run did not reach its wait")
      await new Promise((r) => setTimeout(r, 100))
    }

    const { context, page } = await signedIn()
    const detail = page.getByRole("region", { name: "Workflow Onboarding" })
    const graph = detail.getByRole("img", { name: /Graph of Onboarding/ })
    await graph.waitFor()
    expect(await graph.locator("[data-visited]").count()).toBe(0)
    await detail.getByRole("button", { name: `Show the path of run ${runId}` }).click()
    await graph.locator('[data-node="w"][data-current="true"]').waitFor()
    const visited = await graph
      .locator("[data-visited]")
      .evaluateAll((els) => els.map((e) => e.getAttribute("data-node")))
    expect(visited).toEqual(["t", "u"])
    expect(await graph.locator(".wf-edge-walked").count()).toBe(2)
    const steps = detail.getByRole("list", { name: `Steps of run ${runId}` })
    await steps.getByRole("listitem").first().waitFor()
    expect((await steps.getByRole("listitem").allTextContents()).map((t) => t.split(" · ")[0])).toEqual([
      "t entered",
      "u updated",
      "w waiting"
    ])
    await shot(page, "run-path")

    // The event ends the wait: the run goes on along the yes branch.
    await api.call("POST", "/workflows/events", { event: "paid", contact_id: contact })
    const end = Date.now() + 15_000
    const runNow = async () => (await api.call("GET", `/workflows/${id}/runs/${runId}`)).body
    while (((await runNow()).run as { status: string }).status === "running") {
      if (Date.now() > end) throw new Error("the run did not end")
      await new Promise((r) => setTimeout(r, 100))
    }
    const ended = await runNow()
    expect(ended.run, JSON.stringify(ended.steps)).toMatchObject({ status: "completed" })
    // Refreshed, the path shown follows the run to its end, and so do its steps.
    await detail.getByRole("button", { name: "Refresh" }).click()
    await graph.locator('[data-node="yes"][data-visited="true"]').waitFor()
    await steps.getByText("yes exited").waitFor()
    expect(await graph.locator('[data-node="no"]').getAttribute("data-visited")).toBeNull()
    await shot(page, "run-done")

    await detail.getByRole("button", { name: "Pause" }).click()
    await page
      .getByRole("row", { name: /Onboarding/ })
      .getByText("paused")
      .waitFor()
    expect(((await api.call("GET", `/workflows/${id}`)).body.workflow as { status: string }).status).toBe(
      "paused"
    )
    expect(problems).toEqual([])
    await context.close()
  })
  it("names a send step's template, its line inside the node", async () => {
    const made = await api.call("POST", "/templates", {
      name: "Welcome aboard",
      subject: "Hello",
      html: "<p>Hello</p>"
    })
    const template = (made.body.template as { publicId: string }).publicId
    const { context, page } = await signedIn()
    const form = page.getByRole("form", { name: "Create a workflow" })
    await form.getByLabel("Name").fill("Greeting")
    await form.getByLabel("Trigger").selectOption("manual")
    await form.getByRole("button", { name: "Create workflow" }).click()
    const detail = page.getByRole("region", { name: "Workflow Greeting" })
    await detail.getByText("This workflow has no nodes yet.").waitFor()
    const graph = {
      nodes: [
        node("t", "trigger"),
        node("s", "send_email", { template_id: template, from: "hi@nowhere.test" })
      ],
      edges: [edge("t", "s")]
    }
    expect((await api.call("PUT", `/workflows/${await workflowId("Greeting")}/graph`, graph)).status).toBe(
      200
    )
    await detail.getByRole("button", { name: "Refresh" }).click()
    const send = detail.locator('[data-node="s"]')
    await send.locator(".wf-node-summary").getByText("Welcome aboard").waitFor()
    // The line stays inside the node's box, whatever it says.
    const box = await send.locator("rect").first().boundingBox()
    const line = await send.locator(".wf-node-summary").boundingBox()
    expect((line?.x ?? 0) + (line?.width ?? 0)).toBeLessThanOrEqual((box?.x ?? 0) + (box?.width ?? 0))
    await shot(page, "send")
    await context.close()
  })
})
