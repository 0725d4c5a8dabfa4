import {
  advance,
  Contact,
  type ContactId,
  type ContactPublicId,
  type Graph,
  type GraphReferences,
  parseGraph,
  runEntry,
  type TeamId,
  type TypedNode,
  validateGraph,
  type WorkflowRun
} from "@poststack/domain"
import { Either } from "effect"
import fc from "fast-check"
import { describe, expect, it } from "vitest"

const TPL = "tpl_0123456789abcdef01234567"
const refs: GraphReferences = {
  templates: new Set([TPL]),
  segments: new Set(),
  topics: new Set(["top_news"]),
  webhooks: new Set(),
  properties: []
}
const node = (public_id: string, type: string, config: unknown = {}) => ({
  public_id,
  type,
  config,
  canvas_x: 0,
  canvas_y: 0
})
const edge = (from: string, to: string, branch: "match" | "no_match" | null = null) => ({
  from_public_id: from,
  to_public_id: to,
  branch
})
const send = (id: string) => node(id, "send_email", { template_id: TPL, from: "hi@shop.test" })

/** The welcome series: created -> send -> wait 3d -> opened? -> send a nudge, or exit. */
const welcome: Graph = {
  nodes: [
    node("t", "trigger"),
    send("s1"),
    node("w", "wait", { delay: "3d" }),
    node("c", "condition", { email: { node: "s1", event: "opened" } }),
    send("s2"),
    node("x", "exit")
  ],
  edges: [
    edge("t", "s1"),
    edge("s1", "w"),
    edge("w", "c"),
    edge("c", "s2", "no_match"),
    edge("c", "x", "match")
  ]
}

describe("validateGraph", () => {
  it("accepts the welcome series", () => {
    expect(validateGraph(welcome, refs)).toEqual([])
  })

  it("names the node of every problem: unknown types, bad and huge configs, dangling edges", () => {
    const errors = validateGraph(
      {
        nodes: [
          node("t", "trigger"),
          node("a", "teleport"),
          node("b", "wait", { delay: "soon" }),
          node("c", "send_email", { template_id: TPL, from: "a@b.test", subject: "x".repeat(9_000) })
        ],
        edges: [edge("t", "ghost")]
      },
      refs
    )
    expect(errors).toEqual([
      expect.stringMatching(/^node a: unknown node type "teleport"/),
      expect.stringMatching(/^node b: config.delay must be a duration/),
      expect.stringMatching(/^node c: config is \d+ bytes/),
      expect.stringMatching(/^node ghost: edge t -> ghost ends at no node/)
    ])
  })

  it("refuses a wait until a date no store keeps (before 1970, after 9999), and takes the last day of 9999", () => {
    const waitUntil = (until: string) =>
      validateGraph(
        { nodes: [node("t", "trigger"), node("w", "wait", { until })], edges: [edge("t", "w")] },
        refs
      )
    for (const until of [
      "+200000-01-01T00:00:00Z",
      "+275760-09-13T00:00:00.000Z",
      "10000-01-01T00:00:00Z",
      "1969-12-31T23:59:59Z"
    ])
      expect(waitUntil(until)).toEqual([
        expect.stringMatching(/^node w: config.until must be an ISO date-time from 1970 to 9999/)
      ])
    expect(waitUntil("9999-12-31T23:59:59Z")).toEqual([])
  })

  it("refuses cycles without a wait, unwired branches, unreachable nodes and other teams' templates", () => {
    const other = "tpl_ffffffffffffffffffffffff"
    const errors = validateGraph(
      {
        nodes: [
          node("t", "trigger"),
          node("c", "condition", {
            rules: { operator: "and", conditions: [{ field: "email", comparator: "contains", value: "@" }] }
          }),
          node("s", "send_email", { template_id: other, from: "a@b.test" }),
          node("lost", "exit")
        ],
        edges: [edge("t", "c"), edge("c", "s", "match"), edge("s", "c")]
      },
      refs
    )
    expect(errors).toContain("node c: the no_match branch is not wired")
    expect(errors).toContain("node lost: cannot be reached from the trigger")
    expect(errors.some((e) => /^node (c|s): is on a cycle with no wait/.test(e))).toBe(true)
    expect(errors).toContain(`node s: template ${other} not found`)
  })

  it("allows a cycle through a wait", () => {
    const loop: Graph = {
      nodes: [node("t", "trigger"), send("s"), node("w", "wait", { delay: "1d" })],
      edges: [edge("t", "s"), edge("s", "w"), edge("w", "s")]
    }
    expect(validateGraph(loop, refs)).toEqual([])
  })

  const ids = ["a", "b", "c", "d", "e", "f"]
  const arbitraryGraph = fc.record({
    types: fc.array(fc.constantFrom("send_email", "wait", "exit", "condition"), {
      minLength: 6,
      maxLength: 6
    }),
    edges: fc.array(
      fc.record({
        from: fc.constantFrom("t", ...ids),
        to: fc.constantFrom(...ids),
        branch: fc.constantFrom(null, "match", "no_match")
      }),
      { maxLength: 14 }
    )
  })
  const build = ({
    types,
    edges
  }: {
    types: ReadonlyArray<string>
    edges: ReadonlyArray<{ from: string; to: string; branch: "match" | "no_match" | null }>
  }): Graph => ({
    nodes: [
      node("t", "trigger"),
      ...ids.map((id, i) =>
        types[i] === "send_email"
          ? send(id)
          : types[i] === "wait"
            ? node(id, "wait", { delay: "1h" })
            : types[i] === "condition"
              ? node(id, "condition", {
                  rules: { operator: "and", conditions: [{ field: "email", comparator: "is_set" }] }
                })
              : node(id, "exit")
      )
    ],
    edges: edges.map((e) => edge(e.from, e.to, e.branch))
  })

  it("property: a graph it accepts has every node reachable, both branches wired, and no wait-free cycle", () => {
    fc.assert(
      fc.property(arbitraryGraph, (g) => {
        const graph = build(g)
        if (validateGraph(graph, refs).length > 0) return
        const parsed = parseGraph(graph)
        expect(Either.isRight(parsed)).toBe(true)
        // Reachability
        const reached = new Set(["t"])
        let grew = true
        while (grew) {
          grew = false
          for (const e of graph.edges)
            if (reached.has(e.from_public_id) && !reached.has(e.to_public_id)) {
              reached.add(e.to_public_id)
              grew = true
            }
        }
        expect(reached.size).toBe(graph.nodes.length)
        // A walk that never enters a wait ends within as many steps as there are nodes.
        const types = new Map(graph.nodes.map((n) => [n.public_id, n.type]))
        for (const start of graph.nodes.map((n) => n.public_id)) {
          const frontier = [{ id: start, depth: 0 }]
          while (frontier.length > 0) {
            const { id, depth } = frontier.pop() as { id: string; depth: number }
            expect(depth).toBeLessThanOrEqual(graph.nodes.length)
            for (const e of graph.edges)
              if (e.from_public_id === id && types.get(e.to_public_id) !== "wait")
                frontier.push({ id: e.to_public_id, depth: depth + 1 })
          }
        }
        for (const n of graph.nodes)
          if (n.type === "condition")
            for (const b of ["match", "no_match"])
              expect(
                graph.edges.filter((e) => e.from_public_id === n.public_id && e.branch === b)
              ).toHaveLength(1)
      }),
      { numRuns: 2_000 }
    )
  })

  it("property: a graph with an edge to a missing node, or two triggers, is always refused, naming a node", () => {
    fc.assert(
      fc.property(arbitraryGraph, fc.boolean(), (g, twoTriggers) => {
        const graph = build(g)
        const broken: Graph = twoTriggers
          ? { ...graph, nodes: [...graph.nodes, node("t2", "trigger")] }
          : { ...graph, edges: [...graph.edges, edge("a", "nowhere")] }
        const errors = validateGraph(broken, refs)
        expect(errors.length).toBeGreaterThan(0)
        expect(errors.every((e) => e.startsWith("node ") || e.startsWith("graph:"))).toBe(true)
      }),
      { numRuns: 500 }
    )
  })
})

describe("advance", () => {
  const now = new Date("2026-03-01T10:00:00Z")
  const contact = Contact.make({
    id: 1 as ContactId,
    publicId: "con_0123456789abcdef01234567" as ContactPublicId,
    teamId: 1,
    email: "ann@x.test",
    firstName: "Ann",
    lastName: null,
    unsubscribed: false,
    unsubscribedAt: null,
    properties: {},
    engagementSegment: "active",
    lastEngagedAt: null,
    createdAt: now,
    updatedAt: now
  })
  const parsed = parseGraph(welcome)
  if (Either.isLeft(parsed)) throw new Error("welcome graph does not parse")
  const nodes = new Map<string, TypedNode>(parsed.right.map((n) => [n.id, n]))
  const input = (opened: boolean) => ({
    graph: welcome,
    nodes,
    contact,
    properties: [],
    engagement: { now, events: [] },
    sentEmails: new Map([["s1", { opened, clicked: false }]]),
    segments: new Set<string>(),
    events: new Set<string>()
  })
  const run = (at: string | null, waitUntil: Date | null = null): WorkflowRun => ({
    id: 42,
    workflowId: 1,
    teamId: 1 as TeamId,
    contactId: 1,
    status: "running",
    currentNodeId: at,
    nodesVisited: [],
    waitUntil,
    startedAt: now,
    completedAt: null
  })

  it("walks the welcome series: send with a key of run and node, wait 3 days, branch on the open", () => {
    expect(advance(run("t"), input(false), now)).toMatchObject({ next: { _tag: "Goto", node: "s1" } })
    const sent = advance(run("s1"), input(false), now)
    expect(sent.effect).toMatchObject({ _tag: "SendEmail", templateId: TPL, idempotencyKey: "wf-run-42-s1" })
    expect(advance(run("s1"), input(false), now).effect).toEqual(sent.effect)
    const waiting = advance(run("w"), input(false), now)
    expect(waiting.next).toEqual({ _tag: "Wait", until: new Date("2026-03-04T10:00:00Z") })
    const early = advance(
      run("w", new Date("2026-03-04T10:00:00Z")),
      input(false),
      new Date("2026-03-02T00:00:00Z")
    )
    expect(early.next).toEqual({ _tag: "Wait", until: new Date("2026-03-04T10:00:00Z") })
    const due = advance(
      run("w", new Date("2026-03-04T10:00:00Z")),
      input(false),
      new Date("2026-03-04T10:00:01Z")
    )
    expect(due.next).toEqual({ _tag: "Goto", node: "c" })
    expect(advance(run("c"), input(false), now)).toMatchObject({ outcome: "no_match", next: { node: "s2" } })
    expect(advance(run("c"), input(true), now)).toMatchObject({ outcome: "match", next: { node: "x" } })
    expect(advance(run("s2"), input(false), now).next).toEqual({ _tag: "Complete" })
    expect(advance(run("gone"), input(false), now).next).toMatchObject({ _tag: "Fail" })
  })

  it("ends the longest delay at the last instant of 9999, a date every store keeps", () => {
    const graph: Graph = {
      nodes: [node("t", "trigger"), node("w", "wait", { delay: "999999w" }), node("x", "exit")],
      edges: [edge("t", "w"), edge("w", "x")]
    }
    const typed = parseGraph(graph)
    if (Either.isLeft(typed)) throw new Error("graph does not parse")
    const longest = advance(
      run("w"),
      { ...input(false), graph, nodes: new Map(typed.right.map((n) => [n.id, n])) },
      now
    )
    expect(longest.next).toEqual({ _tag: "Wait", until: new Date("9999-12-31T23:59:59.999Z") })
  })
})

describe("runEntry", () => {
  const line = (...nodes: ReadonlyArray<ReturnType<typeof node>>): Graph => ({
    nodes,
    edges: nodes.slice(1).map((n, i) => ({
      from_public_id: nodes[i]?.public_id ?? "",
      to_public_id: n.public_id,
      branch: null
    }))
  })

  it("takes a trigger and the delay wait after it as every run takes them: entered, then waiting", () => {
    expect(
      runEntry(line(node("t", "trigger"), node("w", "wait", { delay: "3d" }), node("x", "exit")))
    ).toEqual({
      node: "w",
      delayMs: 3 * 86_400_000,
      visited: ["t"],
      steps: [
        { node: "t", outcome: "entered" },
        { node: "w", outcome: "waiting" }
      ]
    })
  })

  it("leaves every other start to the worker", () => {
    const send = node("s", "send_email", { template_id: TPL, from: "a@b.test" })
    expect(runEntry(line(node("t", "trigger"), send))).toBeNull()
    expect(
      runEntry(line(node("t", "trigger"), node("w", "wait", { until: "2030-01-01T00:00:00Z" })))
    ).toBeNull()
    expect(
      runEntry(line(node("t", "trigger"), node("w", "wait", { event: "paid", timeout: "1h" })))
    ).toBeNull()
    expect(runEntry(line(node("t", "trigger")))).toBeNull()
    expect(runEntry(line(node("w", "wait", { delay: "1h" })))).toBeNull()
    expect(runEntry(line(node("t", "trigger"), node("w", "wait", { delay: "soon" })))).toBeNull()
    // Centuries: the worker's, so the wait's end is written by the same code as any other.
    expect(runEntry(line(node("t", "trigger"), node("w", "wait", { delay: "999999w" })))).toBeNull()
    expect(runEntry(line(node("t", "trigger"), node("w", "wait", { delay: "5000w" })))?.delayMs).toBe(
      5000 * 604_800_000
    )
  })
})
