import {
  type ClaimedRun,
  ContactRepository,
  EmailRepository,
  type NewEmail,
  WebhookRepository,
  WorkflowStore
} from "@poststack/application"
import type { Graph, TeamId, Workflow, WorkflowPublicId } from "@poststack/domain"
import { Effect, Option } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { newTeam, type Subject, subjects } from "./subjects.js"
import { newDomain } from "./support.js"

const graph = (...ids: ReadonlyArray<string>): Graph => ({
  nodes: ids.map((id, i) => ({
    public_id: id,
    type: i === 0 ? "trigger" : id.startsWith("w") ? "wait" : "exit",
    config: id.startsWith("w") ? { event: "paid", timeout: "1h" } : {},
    canvas_x: 0,
    canvas_y: i * 100
  })),
  edges: ids.slice(1).map((id, i) => ({ from_public_id: ids[i] as string, to_public_id: id, branch: null }))
})

for (const [name, start] of subjects) {
  describe(`WorkflowStore contract: ${name}`, () => {
    let s: Subject
    const store = <A, E>(f: (r: WorkflowStore["Type"]) => Effect.Effect<A, E>) =>
      s.run(Effect.flatMap(WorkflowStore, f))
    let emails = 0
    const contact = (teamId: TeamId) =>
      s
        .run(
          Effect.flatMap(ContactRepository, (r) =>
            r.create(
              teamId,
              {
                email: `c${++emails}@example.com`,
                firstName: null,
                lastName: null,
                unsubscribed: false,
                properties: {}
              },
              () => []
            )
          )
        )
        .then((c) => ({ id: c.id, publicId: c.publicId }))
    const workflow = async (
      teamId: TeamId,
      fields: Partial<Pick<Workflow, "triggerType" | "triggerConfig">> = {},
      g: Graph = graph("t", "x")
    ) => {
      const w = await store((r) =>
        r.create(teamId, {
          name: "Flow",
          triggerType: fields.triggerType ?? "manual",
          triggerConfig: fields.triggerConfig ?? null
        })
      )
      await store((r) => r.putGraph(teamId, w.publicId, g))
      return Option.getOrThrow(await store((r) => r.setStatus(teamId, w.publicId, "active")))
    }
    /** An active webhook endpoint of the team at `https://hooks.example.com/<path>`. */
    const endpoint = (teamId: TeamId, path: string, events: ReadonlyArray<string>) =>
      s.run(
        Effect.flatMap(WebhookRepository, (r) =>
          r.create(teamId, {
            url: `https://hooks.example.com/${path}`,
            description: null,
            events,
            secretSealed: new Uint8Array([1, 2, 3]),
            secretPrefix: "whsec_abc"
          })
        )
      )
    /** Claims everything due now and keeps the claims of this workflow's runs. */
    const claimOf = async (w: Workflow): Promise<ReadonlyArray<ClaimedRun>> =>
      (await store((r) => r.claim({ limit: 100, leaseMs: 60_000 }))).filter((c) => c.run.workflowId === w.id)

    beforeAll(async () => {
      s = await start()
    })
    afterAll(() => s.close())

    it("keeps workflows and their graphs inside their team; deleted ones are gone", async () => {
      const [a, b] = [await newTeam(s), await newTeam(s)]
      const w = await store((r) =>
        r.create(a, { name: "Welcome", triggerType: "custom", triggerConfig: { event: "signed_up" } })
      )
      expect(w).toMatchObject({ teamId: a, name: "Welcome", triggerType: "custom", status: "draft" })
      expect(w.publicId).toMatch(/^wf_[0-9a-f]{24}$/)
      expect((await store((r) => r.list(a))).map((x) => x.publicId)).toEqual([w.publicId])
      expect(await store((r) => r.list(b))).toEqual([])
      expect(Option.isNone(await store((r) => r.get(b, w.publicId)))).toBe(true)
      expect(Option.getOrThrow(await store((r) => r.getGraph(a, w.publicId)))).toEqual({
        nodes: [],
        edges: []
      })
      expect(await store((r) => r.putGraph(b, w.publicId, graph("t")))).toBe(false)
      expect(await store((r) => r.putGraph(a, w.publicId, graph("t", "x")))).toBe(true)
      expect(Option.getOrThrow(await store((r) => r.getGraph(a, w.publicId)))).toEqual(graph("t", "x"))
      const renamed = Option.getOrThrow(
        await store((r) => r.update(a, w.publicId, { name: "Hello", triggerConfig: null }))
      )
      expect(renamed).toMatchObject({ name: "Hello", triggerType: "custom", triggerConfig: null })
      expect(Option.isNone(await store((r) => r.update(b, w.publicId, { name: "stolen" })))).toBe(true)
      expect(Option.getOrThrow(await store((r) => r.setStatus(a, w.publicId, "paused"))).status).toBe(
        "paused"
      )
      expect(await store((r) => r.remove(b, w.publicId))).toBe(false)
      expect(await store((r) => r.remove(a, w.publicId))).toBe(true)
      expect(Option.isNone(await store((r) => r.get(a, w.publicId)))).toBe(true)
      expect(await store((r) => r.list(a))).toEqual([])
      expect(
        Option.isNone(await store((r) => r.get(a, "wf_000000000000000000000000" as WorkflowPublicId)))
      ).toBe(true)
    })

    it("starts a run at the trigger, one running per contact unless re-entry is allowed", async () => {
      const team = await newTeam(s)
      const once = await workflow(team)
      const again = await workflow(team, { triggerConfig: { allow_reentry: true } })
      const ann = await contact(team)
      const first = Option.getOrThrow(await store((r) => r.startRun(once, ann)))
      expect(first).toMatchObject({
        workflowId: once.id,
        teamId: team,
        contactId: ann.id,
        status: "running",
        currentNodeId: "t",
        nodesVisited: [],
        waitUntil: null,
        completedAt: null
      })
      expect(Option.isNone(await store((r) => r.startRun(once, ann)))).toBe(true)
      expect(Option.isSome(await store((r) => r.startRun(again, ann)))).toBe(true)
      expect(Option.isSome(await store((r) => r.startRun(again, ann)))).toBe(true)
      expect((await store((r) => r.listRuns(team, again.publicId, 10))).length).toBe(2)
      expect(Option.getOrThrow(await store((r) => r.getRun(team, first.id))).id).toBe(first.id)
      const stranger = await newTeam(s)
      expect(Option.isNone(await store((r) => r.getRun(stranger, first.id)))).toBe(true)
    })

    it("starts a run already waiting at a delay wait that follows its trigger, both steps in its history", async () => {
      const team = await newTeam(s)
      const delayed: Graph = {
        nodes: [
          { public_id: "t", type: "trigger", config: {}, canvas_x: 0, canvas_y: 0 },
          { public_id: "w", type: "wait", config: { delay: "1h" }, canvas_x: 0, canvas_y: 100 },
          { public_id: "x", type: "exit", config: {}, canvas_x: 0, canvas_y: 200 }
        ],
        edges: [
          { from_public_id: "t", to_public_id: "w", branch: null },
          { from_public_id: "w", to_public_id: "x", branch: null }
        ]
      }
      const w = await workflow(team, { triggerConfig: { allow_reentry: true } }, delayed)
      const ann = await contact(team)
      const before = Date.now()
      const run = Option.getOrThrow(await store((r) => r.startRun(w, ann)))
      expect(run).toMatchObject({ status: "running", currentNodeId: "w", nodesVisited: ["t"] })
      const until = run.waitUntil?.getTime() ?? 0
      expect(until).toBeGreaterThanOrEqual(before + 3_600_000 - 1_000)
      expect(until).toBeLessThanOrEqual(Date.now() + 3_600_000)
      // Not due: no worker takes it before the hour is over.
      expect(await claimOf(w)).toEqual([])
      const history = await store((r) => r.runSteps(team, run.id))
      expect(history.map((h) => [h.nodeId, h.outcome, h.detail])).toEqual([
        ["t", "entered", null],
        ["w", "waiting", { wait_until: new Date(until).toISOString() }]
      ])
      // Enrolment by an event starts the same way.
      const byEvent = await workflow(
        team,
        { triggerType: "custom", triggerConfig: { event: "joined" } },
        delayed
      )
      expect(
        await store((r) => r.enrol({ teamId: team, contact: ann, triggerType: "custom", event: "joined" }))
      ).toBe(1)
      const [enrolled] = await store((r) => r.listRuns(team, byEvent.publicId, 10))
      expect(enrolled).toMatchObject({ currentNodeId: "w", nodesVisited: ["t"] })
      // A graph whose first wait is for an event starts at its trigger, for the worker to take.
      const eventFirst = await workflow(team, {}, graph("t", "w", "x"))
      const atTrigger = Option.getOrThrow(await store((r) => r.startRun(eventFirst, ann)))
      expect(atTrigger).toMatchObject({ currentNodeId: "t", nodesVisited: [], waitUntil: null })
      expect(await store((r) => r.runSteps(team, atTrigger.id))).toEqual([])
    })

    if (name === "postgres")
      it("starts a run at its trigger when an endpoint of the team listens for workflow.run.started", async () => {
        const team = await newTeam(s)
        const delayed: Graph = {
          nodes: [
            { public_id: "t", type: "trigger", config: {}, canvas_x: 0, canvas_y: 0 },
            { public_id: "w", type: "wait", config: { delay: "1s" }, canvas_x: 0, canvas_y: 100 }
          ],
          edges: [{ from_public_id: "t", to_public_id: "w", branch: null }]
        }
        const w = await workflow(team, {}, delayed)
        await endpoint(team, "started", ["workflow.run.started"])
        const ann = await contact(team)
        const run = Option.getOrThrow(await store((r) => r.startRun(w, ann)))
        // The worker takes it from the trigger and writes the event the endpoint waits for.
        expect(run).toMatchObject({ currentNodeId: "t", nodesVisited: [], waitUntil: null })
        expect((await claimOf(w)).map((c) => c.run.id)).toEqual([run.id])
      })

    it("records several steps at once, in order: every node but a last one that waits is left", async () => {
      const team = await newTeam(s)
      const w = await workflow(team, {}, graph("t", "w", "x"))
      const ann = await contact(team)
      const run = Option.getOrThrow(await store((r) => r.startRun(w, ann)))
      const [claim] = await claimOf(w)
      if (claim === undefined) throw new Error("the run was not claimed")
      const until = new Date(Date.now() + 3_600_000)
      expect(
        await store((r) =>
          r.recordStep(
            claim,
            [
              { node: "t", outcome: "entered", detail: null },
              { node: "w", outcome: "waiting", detail: { wait_until: until.toISOString() } }
            ],
            { _tag: "Wait", until }
          )
        )
      ).toBe(true)
      expect(Option.getOrThrow(await store((r) => r.getRun(team, run.id)))).toMatchObject({
        status: "running",
        currentNodeId: "w",
        nodesVisited: ["t"]
      })
      expect(
        (await store((r) => r.runSteps(team, run.id))).map((x) => [x.nodeId, x.outcome, x.detail])
      ).toEqual([
        ["t", "entered", null],
        ["w", "waiting", { wait_until: until.toISOString() }]
      ])
    })

    it("claims due runs of active workflows under a lease; records steps, waits and ends; a lost lease records nothing", async () => {
      const team = await newTeam(s)
      const w = await workflow(team, {}, graph("t", "w", "x"))
      const ann = await contact(team)
      const run = Option.getOrThrow(await store((r) => r.startRun(w, ann)))
      await store((r) => r.setStatus(team, w.publicId, "paused"))
      expect(await claimOf(w)).toEqual([])
      await store((r) => r.setStatus(team, w.publicId, "active"))
      const [claim] = await claimOf(w)
      if (claim === undefined) throw new Error("the run was not claimed")
      expect(claim).toMatchObject({ workflowPublicId: w.publicId, contactPublicId: ann.publicId, events: [] })
      expect(claim.graph).toEqual(graph("t", "w", "x"))
      // Held: nobody else gets it while the lease lasts.
      expect(await claimOf(w)).toEqual([])
      expect(
        await store((r) =>
          r.recordStep(
            claim,
            [{ node: "t", outcome: "entered", detail: null }],
            { _tag: "Goto", node: "w" },
            true
          )
        )
      ).toBe(true)
      const until = new Date(Date.now() + 3_600_000)
      expect(
        await store((r) =>
          r.recordStep(claim, [{ node: "w", outcome: "waiting", detail: null }], { _tag: "Wait", until })
        )
      ).toBe(true)
      const waiting = Option.getOrThrow(await store((r) => r.getRun(team, run.id)))
      expect(waiting).toMatchObject({ status: "running", currentNodeId: "w", nodesVisited: ["t"] })
      expect(waiting.waitUntil?.getTime()).toBe(until.getTime())
      // Not due before its wait ends, unless the event it waits for comes.
      expect(await claimOf(w)).toEqual([])
      expect(
        await store((r) => r.enrol({ teamId: team, contact: ann, triggerType: "custom", event: "paid" }))
      ).toBe(0)
      const [woken] = await claimOf(w)
      if (woken === undefined) throw new Error("the event did not wake the run")
      expect(woken.events).toEqual(["paid"])
      expect(woken.attempt).toBeGreaterThan(claim.attempt)
      // The first claim's lease is gone: what it records now is dropped.
      expect(
        await store((r) =>
          r.recordStep(claim, [{ node: "w", outcome: "waited", detail: null }], { _tag: "Complete" })
        )
      ).toBe(false)
      expect(
        await store((r) =>
          r.recordStep(woken, [{ node: "w", outcome: "event_received", detail: { n: 1 } }], {
            _tag: "Goto",
            node: "x"
          })
        )
      ).toBe(true)
      const [last] = await claimOf(w)
      if (last === undefined) throw new Error("the run did not come back")
      expect(last.events).toEqual([])
      expect(
        await store((r) =>
          r.recordStep(last, [{ node: "x", outcome: "exited", detail: null }], { _tag: "Complete" })
        )
      ).toBe(true)
      const done = Option.getOrThrow(await store((r) => r.getRun(team, run.id)))
      expect(done).toMatchObject({ status: "completed", currentNodeId: null, nodesVisited: ["t", "w", "x"] })
      expect(done.completedAt).not.toBeNull()
      expect(
        (await store((r) => r.runSteps(team, run.id))).map((x) => [x.nodeId, x.outcome, x.detail])
      ).toEqual([
        ["t", "entered", null],
        ["w", "waiting", null],
        ["w", "event_received", { n: 1 }],
        ["x", "exited", null]
      ])
      const stranger = await newTeam(s)
      expect(await store((r) => r.runSteps(stranger, run.id))).toEqual([])
      // A finished run of an exclusive workflow lets the contact in again.
      expect(Option.isSome(await store((r) => r.startRun(w, ann)))).toBe(true)
    })

    it("records a send step with its email in one write; a lost lease writes neither", async () => {
      const team = await newTeam(s)
      const domain = await newDomain(s, team, `wf${team}.example.com`)
      const email = (key: string): NewEmail => ({
        teamId: team,
        apiKeyId: null,
        domainId: domain.id,
        domainName: domain.name,
        fromAddress: `hello@${domain.name}`,
        fromName: null,
        recipients: [{ address: "ann@example.org", kind: "to" }],
        replyTo: [],
        subject: "Welcome",
        html: "<p>Hi</p>",
        text: "Hi",
        headers: {},
        tags: ["workflow"],
        attachments: [],
        rawMime: null,
        messageId: null,
        testMode: false,
        unsubscribe: false,
        trackOpens: false,
        trackClicks: false,
        scheduledAt: null,
        idempotencyKey: key,
        requestHash: "h",
        system: false
      })
      const byKey = (key: string) =>
        s.run(Effect.flatMap(EmailRepository, (r) => r.findByIdempotencyKey(team, key)))
      const w = await workflow(team, {}, graph("t", "s", "x"))
      const ann = await contact(team)
      const run = Option.getOrThrow(await store((r) => r.startRun(w, ann)))
      const [stale] = await claimOf(w)
      if (stale === undefined) throw new Error("the run was not claimed")
      await store((r) => r.release([stale]))
      const [claim] = await claimOf(w)
      if (claim === undefined) throw new Error("the run did not come back")
      // The first claim's lease is gone: neither its email nor its steps are written.
      expect(
        await store((r) =>
          r.recordSend(
            stale,
            [{ node: "s", outcome: "sent", detail: {} }],
            { _tag: "Complete" },
            email(`b:wf-${run.id}-stale`)
          )
        )
      ).toEqual(Option.none())
      expect(Option.isNone(await byKey(`b:wf-${run.id}-stale`))).toBe(true)
      const sent = await store((r) =>
        r.recordSend(
          claim,
          [
            { node: "t", outcome: "entered", detail: null },
            { node: "s", outcome: "sent", detail: {} }
          ],
          { _tag: "Goto", node: "x" },
          email(`b:wf-${run.id}-s`),
          true
        )
      )
      const accepted = Option.getOrThrow(sent)
      expect(accepted._tag).toBe("Created")
      expect(Option.getOrThrow(await byKey(`b:wf-${run.id}-s`)).publicId).toBe(accepted.publicId)
      expect(
        (await store((r) => r.runSteps(team, run.id))).map((x) => [x.nodeId, x.outcome, x.detail])
      ).toEqual([
        ["t", "entered", null],
        ["s", "sent", { email_id: accepted.publicId }]
      ])
      // Held: the run goes straight on under the same claim.
      expect(Option.getOrThrow(await store((r) => r.getRun(team, run.id)))).toMatchObject({
        status: "running",
        currentNodeId: "x",
        nodesVisited: ["t", "s"]
      })
      expect(await claimOf(w)).toEqual([])
      expect(
        await store((r) =>
          r.recordStep(claim, [{ node: "x", outcome: "exited", detail: null }], { _tag: "Complete" })
        )
      ).toBe(true)
    })

    it("gives released runs back at once and fails runs with their reason", async () => {
      const team = await newTeam(s)
      const w = await workflow(team)
      const bob = await contact(team)
      const run = Option.getOrThrow(await store((r) => r.startRun(w, bob)))
      const claimed = await claimOf(w)
      expect(claimed).toHaveLength(1)
      await store((r) => r.release(claimed))
      const [again] = await claimOf(w)
      if (again === undefined) throw new Error("the released run was not claimed again")
      await store((r) => r.extend([again], 60_000))
      expect(
        await store((r) =>
          r.recordStep(again, [{ node: "t", outcome: "failed", detail: null }], {
            _tag: "Fail",
            reason: "gone"
          })
        )
      ).toBe(true)
      expect(Option.getOrThrow(await store((r) => r.getRun(team, run.id))).status).toBe("failed")
      expect((await store((r) => r.runSteps(team, run.id)))[0]?.detail).toEqual({ reason: "gone" })
      expect(await claimOf(w)).toEqual([])
    })

    it("enrols contacts in the active workflows listening for a custom event, by its exact name", async () => {
      const team = await newTeam(s)
      const paid = await workflow(team, { triggerType: "custom", triggerConfig: { event: "paid" } })
      const other = await workflow(team, { triggerType: "custom", triggerConfig: { event: "refunded" } })
      const paused = await workflow(team, { triggerType: "custom", triggerConfig: { event: "paid" } })
      await store((r) => r.setStatus(team, paused.publicId, "paused"))
      const ann = await contact(team)
      const enrol = (event: string) =>
        store((r) => r.enrol({ teamId: team, contact: ann, triggerType: "custom", event }))
      expect(await enrol("Paid")).toBe(0)
      expect(await enrol("paid")).toBe(1)
      expect(await enrol("paid")).toBe(0)
      expect((await store((r) => r.listRuns(team, paid.publicId, 10))).length).toBe(1)
      expect(await store((r) => r.listRuns(team, other.publicId, 10))).toEqual([])
      expect(await store((r) => r.listRuns(team, paused.publicId, 10))).toEqual([])
    })

    it("queues a webhook step's delivery once per event id", async () => {
      const team = await newTeam(s)
      const hook = await endpoint(team, "in", ["*"])
      const event = (id: string) => ({ id, type: "workflow.webhook" as const, data: { run_id: 1 } })
      const first = Option.getOrThrow(await store((r) => r.queueWebhook(team, hook.id, event("evt_wf1_aa"))))
      const repeat = Option.getOrThrow(await store((r) => r.queueWebhook(team, hook.id, event("evt_wf1_aa"))))
      const next = Option.getOrThrow(await store((r) => r.queueWebhook(team, hook.id, event("evt_wf1_bb"))))
      expect(repeat).toBe(first)
      expect(next).not.toBe(first)
    })

    it("hands the runs of one claim one graph value per workflow, a new one with every claim", async () => {
      const team = await newTeam(s)
      const w = await workflow(team)
      for (let i = 0; i < 3; i++) {
        const c = await contact(team)
        await store((r) => r.startRun(w, c))
      }
      const first = await claimOf(w)
      expect(first.length).toBe(3)
      expect(new Set(first.map((c) => c.graph)).size).toBe(1)
      expect(first[0]?.graph).toEqual(graph("t", "x"))
      await store((r) => r.release(first))
      const second = await claimOf(w)
      expect(second.length).toBe(3)
      // The runner keeps what a claim's runs read alike against this value: never past its claim.
      expect(second[0]?.graph).not.toBe(first[0]?.graph)
      expect(second[0]?.graph).toEqual(first[0]?.graph)
    })

    it("says whether an active endpoint of the team listens for run events, or leaves it to the runner", async () => {
      const team = await newTeam(s)
      const w = await workflow(team)
      const c = await contact(team)
      await store((r) => r.startRun(w, c))
      const [quiet] = await claimOf(w)
      // Nobody listens: a store that says so says false; saying nothing makes the runner build them.
      expect(quiet?.listening).not.toBe(true)
      await store((r) => r.release(quiet === undefined ? [] : [quiet]))
      await endpoint(team, "runs", ["workflow.run.completed"])
      const [heard] = await claimOf(w)
      expect(heard?.listening).not.toBe(false)
    })
  })
}
