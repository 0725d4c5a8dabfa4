import {
  advance,
  type AdvanceInput,
  type Contact,
  type ContactProperty,
  ContactPublicId,
  contactEvent,
  type Decision,
  type Graph,
  IdempotencyKeyReused,
  parseGraph,
  readsContact,
  runEvents,
  SegmentPublicId,
  type SideEffect,
  type TeamId,
  type Template,
  TemplatePublicId,
  TopicPublicId,
  topicChoiceEvent,
  type TypedNode,
  webhookIdFrom,
  type WorkflowRun,
  workflowWebhookEvent
} from "@poststack/domain"
import { Clock, type Duration, Effect, Either, Option, Schema } from "effect"
import { ContactPropertyRepository } from "../../ports/ContactPropertyRepository.js"
import type { StoreUnavailable } from "../../ports/StoreUnavailable.js"
import { ContactRepository } from "../../ports/ContactRepository.js"
import { SegmentRepository } from "../../ports/SegmentRepository.js"
import { TemplateEngine } from "../../ports/TemplateEngine.js"
import { TemplateRepository } from "../../ports/TemplateRepository.js"
import { TopicRepository } from "../../ports/TopicRepository.js"
import { WebhookRepository } from "../../ports/WebhookRepository.js"
import { WebhookTransport } from "../../ports/WebhookTransport.js"
import { type ClaimedRun, type RunMove, type RunStep, WorkflowStore } from "../../ports/WorkflowStore.js"
import { PrepareSend } from "../emails/SendEmail.js"
import { RenderTemplateForSend, type TemplateForSend } from "../templates/RenderTemplateForSend.js"
import { runLeasedQueue } from "../runLeasedQueue.js"
import { audienceOf } from "../segments/audience.js"

/** The most steps one claim takes a run through before giving it back to the queue. */
const STEPS_PER_CLAIM = 20

// Parsing a graph once per graph value: every run of a workflow claimed together shares it.
const parsedGraphs = new WeakMap<Graph, ReadonlyMap<string, TypedNode> | null>()
const nodesOf = (graph: Graph) => {
  let nodes = parsedGraphs.get(graph)
  if (nodes === undefined) {
    const parsed = parseGraph(graph)
    nodes = Either.isRight(parsed) ? new Map(parsed.right.map((n) => [n.id, n])) : null
    parsedGraphs.set(graph, nodes)
  }
  return nodes
}

/**
 * What the runs of one claim read alike, kept against the claim's graph value (new with every
 * claim, see `ClaimedRun.graph`): the team's contact properties for a condition, the templates
 * its sends use, and a template's rendering when it does not read the contact (the same for
 * every recipient). Read once for the claim's runs, and gone with the claim.
 */
type Rendering = Effect.Effect<
  TemplateForSend,
  Effect.Effect.Error<ReturnType<typeof RenderTemplateForSend>>,
  Exclude<Effect.Effect.Context<ReturnType<typeof RenderTemplateForSend>>, TemplateRepository>
>

/**
 * Each read is the one effect the claim's runs share (`Effect.cached`): they start together, so
 * whoever comes while the first read is still in flight waits for it instead of reading again.
 */
interface ClaimShared {
  properties?: Effect.Effect<ReadonlyArray<ContactProperty>, StoreUnavailable>
  readonly templates: Map<string, Effect.Effect<Option.Option<Template>, StoreUnavailable>>
  readonly renders: Map<string, Rendering>
}
const sharedByClaim = new WeakMap<Graph, ClaimShared>()
const sharedOf = (graph: Graph) => {
  let shared = sharedByClaim.get(graph)
  if (shared === undefined) {
    shared = { templates: new Map(), renders: new Map() }
    sharedByClaim.set(graph, shared)
  }
  return shared
}

/** The team's contact properties, read once per claim. */
const propertiesOf = (claim: ClaimedRun, teamId: TeamId) =>
  Effect.gen(function* () {
    const shared = sharedOf(claim.graph)
    if (shared.properties === undefined)
      shared.properties = yield* Effect.cached((yield* ContactPropertyRepository).list(teamId))
    return yield* shared.properties
  })

/**
 * Renders a send's template through `RenderTemplateForSend` (its checks and refusals unchanged),
 * reading the template once per claim; a template that does not read the contact is rendered once
 * per claim and variables.
 */
const renderForSend = (
  claim: ClaimedRun,
  teamId: TeamId,
  effect: Extract<SideEffect, { _tag: "SendEmail" }>,
  to: string
) =>
  Effect.gen(function* () {
    const shared = sharedOf(claim.graph)
    const key = `${effect.templateId}\u0000${JSON.stringify(effect.variables)}`
    const known = shared.renders.get(key)
    if (known !== undefined) return yield* known
    const templates = yield* TemplateRepository
    const templateOf = (team: TeamId, id: TemplatePublicId) =>
      Effect.gen(function* () {
        if (team !== teamId) return yield* templates.get(team, id)
        let read = shared.templates.get(id)
        if (read === undefined) {
          read = yield* Effect.cached(templates.get(team, id))
          shared.templates.set(id, read)
        }
        return yield* read
      })
    const render = Effect.provideService(
      RenderTemplateForSend({ teamId }, effect.templateId, effect.variables, to),
      TemplateRepository,
      TemplateRepository.of({ ...templates, get: templateOf })
    )
    const template = Schema.is(TemplatePublicId)(effect.templateId)
      ? yield* templateOf(teamId, effect.templateId)
      : Option.none()
    const { language } = yield* TemplateEngine
    if (Option.isNone(template) || readsContact(language, template.value)) return yield* render
    let once = shared.renders.get(key)
    if (once === undefined) {
      once = yield* Effect.cached(render)
      shared.renders.set(key, once)
    }
    return yield* once
  })

interface Performed {
  readonly detail: Record<string, unknown> | null
  readonly failed: string | null
  /** The contact as the step left it, when the step changed it. */
  readonly contact?: Contact
}

const failure = (reason: string): Performed => ({ detail: { error: reason }, failed: reason })

/**
 * Queues a `webhook` step's signed POST on the webhook delivery queue: the endpoint must be one
 * of the team's webhooks, active, and its URL pass the transport's address rules now (a private
 * or otherwise unsafe address fails the run before anything connects; the transport checks the
 * address again as it connects). The delivery's event id comes from the run and the node, so a
 * repeat of the step finds it queued. The run goes on at once: the queue delivers at least once,
 * with the webhook retry schedule.
 */
const queueWebhookStep = (
  claim: ClaimedRun,
  run: WorkflowRun,
  contact: Contact,
  node: string,
  effect: Extract<SideEffect, { _tag: "CallWebhook" }>
) =>
  Effect.gen(function* () {
    const teamId = run.teamId
    const endpointId = webhookIdFrom(effect.webhookId)
    const endpoint =
      endpointId === null ? Option.none() : yield* (yield* WebhookRepository).get(teamId, endpointId)
    if (Option.isNone(endpoint)) return failure(`webhook ${effect.webhookId} no longer exists`)
    if (!endpoint.value.active) return failure(`webhook ${effect.webhookId} is disabled`)
    const { refused } = yield* (yield* WebhookTransport).vet(endpoint.value.url)
    if (refused !== null) return failure(`webhook ${effect.webhookId} refused: ${refused}`)
    const event = workflowWebhookEvent({
      workflowId: claim.workflowPublicId,
      runId: run.id,
      nodeId: node,
      event: effect.event,
      contact
    })
    const queued = yield* (yield* WorkflowStore).queueWebhook(teamId, endpoint.value.id, {
      ...event,
      id: effect.eventId
    })
    if (Option.isNone(queued)) return failure(`webhook ${effect.webhookId} no longer exists`)
    return {
      detail: { webhook_id: effect.webhookId, event_id: effect.eventId, delivery_id: queued.value },
      failed: null
    }
  })

/**
 * A send step up to its write: the template rendered and the request through every rule of
 * `PrepareSend` (a refusal fails the run with its reason), under the step's own idempotency key.
 * Answers the prepared send, or the step's outcome when there is nothing left to write (a refused
 * retry whose email was accepted already, a refusal).
 */
const prepareSendStep = (
  claim: ClaimedRun,
  teamId: TeamId,
  contact: Contact,
  effect: Extract<SideEffect, { _tag: "SendEmail" }>
) =>
  Effect.gen(function* () {
    const template = yield* renderForSend(claim, teamId, effect, contact.email)
    const prepared = yield* PrepareSend(
      { _tag: "TeamSender", teamId, mode: "live" },
      {
        from: effect.from,
        to: [contact.email],
        cc: [],
        bcc: [],
        replyTo: [],
        subject: effect.subject ?? template.subject,
        html: template.html,
        text: template.text,
        headers: {},
        tags: ["workflow"],
        attachments: [],
        scheduledAt: null,
        unsubscribe: false,
        tracking: { opens: null, clicks: null }
      },
      { source: "body", key: effect.idempotencyKey }
    ).pipe(
      // The same key with another body: the contact or template changed since the first try,
      // which did send. That email is the step's.
      Effect.catchIf(
        (e): e is IdempotencyKeyReused => e instanceof IdempotencyKeyReused,
        (e) => Effect.succeed({ id: e.publicId })
      )
    )
    return "email" in prepared
      ? prepared
      : ({ detail: { email_id: prepared.id }, failed: null } satisfies Performed)
  }).pipe(
    Effect.catchIf(
      (e) => (e as { _tag?: string })._tag !== "StoreUnavailable",
      (e) => Effect.succeed(failure((e as { message?: string }).message ?? String(e)))
    )
  )

/**
 * Performs a step's side effect. The send goes through the email pipeline with the step's own
 * idempotency key, so a repeat (a worker died after sending, before recording) finds the email
 * already accepted and sends nothing new. A refusal (an unverified domain, a quota) fails the run
 * with its reason; a store outage fails the job, and the run comes back when its lease ends.
 */
const perform = (
  claim: ClaimedRun,
  run: WorkflowRun,
  node: string,
  contact: Contact | null,
  effect: SideEffect
) =>
  Effect.gen(function* () {
    const teamId: TeamId = run.teamId
    switch (effect._tag) {
      case "SendEmail":
        // A send with its contact is prepared and written with its record (`prepareSendStep`).
        return failure("the contact no longer exists")
      case "UpdateContact": {
        if (contact === null) return failure("the contact no longer exists")
        const updated = yield* (yield* ContactRepository).update(
          teamId,
          contact.publicId,
          {
            ...(effect.firstName !== undefined ? { firstName: effect.firstName } : {}),
            ...(effect.lastName !== undefined ? { lastName: effect.lastName } : {}),
            ...(effect.properties !== undefined
              ? { properties: { ...contact.properties, ...effect.properties } }
              : {})
          },
          (c) => [contactEvent("contact.updated", c)]
        )
        return Option.isNone(updated)
          ? failure("the contact no longer exists")
          : { detail: null, failed: null, contact: updated.value }
      }
      case "SetTopic": {
        if (contact === null) return failure("the contact no longer exists")
        const topics = yield* TopicRepository
        const topic = Schema.is(TopicPublicId)(effect.topicId)
          ? yield* topics.get(teamId, effect.topicId)
          : Option.none()
        if (Option.isNone(topic)) return failure(`topic ${effect.topicId} no longer exists`)
        // The same choice, with the same event, as the contact's own: webhooks hear of it, and a
        // subscription starts the team's contact.subscribed workflows.
        yield* topics.choose(teamId, topic.value.id, contact, effect.subscribed, [
          topicChoiceEvent(contact, topic.value, effect.subscribed)
        ])
        return { detail: { topic_id: effect.topicId }, failed: null }
      }
      case "CallWebhook":
        if (contact === null) return failure("the contact no longer exists")
        return yield* queueWebhookStep(claim, run, contact, node, effect)
    }
  })

/** What the current node needs to decide: the contact always, the rest only for a condition. */
const inputFor = (
  claim: ClaimedRun,
  run: WorkflowRun,
  nodes: ReadonlyMap<string, TypedNode>,
  contact: Contact | null,
  now: Date
) =>
  Effect.gen(function* () {
    const node = run.currentNodeId === null ? undefined : nodes.get(run.currentNodeId)
    const base: AdvanceInput = {
      graph: claim.graph,
      nodes,
      contact,
      properties: [],
      engagement: { now, events: [] },
      sentEmails: new Map(),
      segments: new Set(),
      events: new Set(claim.events)
    }
    if (node?.type !== "condition") return base
    const c = node.config
    if (c.email !== undefined)
      return { ...base, sentEmails: yield* (yield* WorkflowStore).sentEmails(run.id) }
    if (c.rules !== undefined) return { ...base, properties: yield* propertiesOf(claim, run.teamId) }
    if (c.segment_id !== undefined && contact !== null && Schema.is(SegmentPublicId)(c.segment_id)) {
      const segment = yield* (yield* SegmentRepository).get(run.teamId, c.segment_id)
      if (Option.isNone(segment)) return base
      const found = yield* (yield* ContactRepository).list(
        run.teamId,
        { search: contact.email, segment: yield* audienceOf(segment.value) },
        1,
        50
      )
      const member = found.contacts.some((m) => m.id === contact.id)
      return { ...base, segments: member ? new Set([c.segment_id]) : new Set<string>() }
    }
    return base
  })

/** Takes one claimed run as far as it goes now: until it waits, ends, or has taken its share of steps. */
export const runWorkflowSteps = (claim: ClaimedRun) =>
  Effect.gen(function* () {
    const store = yield* WorkflowStore
    const nodes = nodesOf(claim.graph)
    if (nodes === null) {
      const node = claim.run.currentNodeId ?? ""
      const move = { _tag: "Fail", reason: "the workflow's graph no longer parses" } as const
      const now = new Date(yield* Clock.currentTimeMillis)
      const names = { workflowId: claim.workflowPublicId, contactId: claim.contactPublicId }
      yield* store.recordStep(
        claim,
        [
          {
            node,
            outcome: "failed",
            detail: null,
            events: runEvents(claim.run, { node, outcome: "failed" }, move, names, now)
          }
        ],
        move
      )
      return
    }
    let contact =
      claim.contact !== undefined
        ? claim.contact
        : Option.getOrNull(
            Schema.is(ContactPublicId)(claim.contactPublicId)
              ? yield* (yield* ContactRepository).get(claim.run.teamId, claim.contactPublicId)
              : Option.none()
          )
    let run = claim.run
    // Steps taken and not yet recorded. Steps without a side effect are recorded together with
    // the next record: repeated after a crash, they decide again and change nothing outside.
    let pending: Array<RunStep> = []
    for (let i = 0; i < STEPS_PER_CLAIM; i++) {
      const now = new Date(yield* Clock.currentTimeMillis)
      const decision: Decision = advance(run, yield* inputFor(claim, run, nodes, contact, now), now)
      let detail: Record<string, unknown> | null = null
      let move: RunMove = decision.next
      const send =
        decision.effect?._tag === "SendEmail" && contact !== null
          ? yield* prepareSendStep(claim, run.teamId, contact, decision.effect)
          : null
      if (send !== null && "email" in send) {
        // The email, the way here and the step go in one transaction (`recordSend`): a crash
        // leaves all of them or none, so a repeat decides again before anything was sent.
        const next = decision.next
        const goOn = next._tag === "Goto" && i < STEPS_PER_CLAIM - 1
        const events =
          claim.listening === false
            ? []
            : runEvents(
                run,
                { node: decision.node, outcome: decision.outcome },
                next,
                { workflowId: claim.workflowPublicId, contactId: claim.contactPublicId },
                now
              )
        const written = yield* store
          .recordSend(
            claim,
            [...pending, { node: decision.node, outcome: decision.outcome, detail: {}, events }],
            next,
            send.email,
            goOn
          )
          .pipe(
            Effect.onExit((exit) =>
              send.settle(
                exit._tag === "Success" && Option.isSome(exit.value) && exit.value.value._tag === "Created"
              )
            )
          )
        pending = []
        if (Option.isNone(written) || !goOn || next._tag !== "Goto") return
        run = {
          ...run,
          currentNodeId: next.node,
          waitUntil: null,
          nodesVisited: [...run.nodesVisited, decision.node]
        }
        claim = { ...claim, events: [] }
        continue
      }
      if (send !== null) {
        detail = send.detail
        if (send.failed !== null) move = { _tag: "Fail", reason: send.failed }
      } else if (decision.effect !== null) {
        // The way here (a branch taken) is recorded before the side effect it led to: a repeat
        // after a crash must not decide otherwise and perform another one.
        if (pending.length > 0) {
          const held = yield* store.recordStep(claim, pending, { _tag: "Goto", node: decision.node }, true)
          pending = []
          if (!held) return
        }
        const done = yield* perform(claim, run, decision.node, contact, decision.effect).pipe(
          Effect.catchIf(
            (e) => (e as { _tag?: string })._tag !== "StoreUnavailable",
            (e) => Effect.succeed(failure((e as { message?: string }).message ?? String(e)))
          )
        )
        detail = done.detail
        if (done.contact !== undefined) contact = done.contact
        if (done.failed !== null) move = { _tag: "Fail", reason: done.failed }
      }
      // A wait's due time stays in its history: how late the next step came is read against it.
      if (move._tag === "Wait") detail = { wait_until: move.until.toISOString() }
      const outcome = move._tag === "Fail" ? "failed" : decision.outcome
      // Nobody listening: the events would be dropped as they are recorded, so none are built.
      const events =
        claim.listening === false
          ? []
          : runEvents(
              run,
              { node: decision.node, outcome },
              move,
              { workflowId: claim.workflowPublicId, contactId: claim.contactPublicId },
              now
            )
      pending.push({ node: decision.node, outcome, detail, events })
      if (move._tag !== "Goto" || i === STEPS_PER_CLAIM - 1) {
        yield* store.recordStep(claim, pending, move, false)
        return
      }
      run = {
        ...run,
        currentNodeId: move.node,
        waitUntil: null,
        nodesVisited: [...run.nodesVisited, decision.node]
      }
      claim = { ...claim, events: [] }
    }
  })

/** The worker's `workflows.advance` job: runs that came due, on the leased-queue runner. */
export const RunWorkflows = (options: {
  readonly concurrency: number
  readonly leaseMs: number
  readonly idle: Duration.DurationInput
}) =>
  Effect.flatMap(WorkflowStore, (store) =>
    runLeasedQueue(store, runWorkflowSteps, {
      name: "workflows.advance",
      concurrency: options.concurrency,
      batch: Math.max(options.concurrency, 50),
      prefetch: options.concurrency,
      // Each claim is one planned statement whatever it carries: waiting for room for half a batch
      // (as deliveries do) rather than claiming for each run that finished spreads it over more runs.
      minClaim: Math.ceil(Math.max(options.concurrency, 50) / 2),
      leaseMs: options.leaseMs,
      idle: options.idle
    })
  )
