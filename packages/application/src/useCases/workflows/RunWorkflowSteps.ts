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
  WebhookId,
  type WorkflowRun,
  workflowWebhookEvent
} from "@poststack/domain"
import { Clock, type Duration, Effect, Either, Option, Schema } from "effect"
import { ContactPropertyRepository } from "../../ports/ContactPropertyRepository.js"
import { ContactRepository } from "../../ports/ContactRepository.js"
import { SegmentRepository } from "../../ports/SegmentRepository.js"
import { TemplateEngine } from "../../ports/TemplateEngine.js"
import { TemplateRepository } from "../../ports/TemplateRepository.js"
import { TopicRepository } from "../../ports/TopicRepository.js"
import { WebhookRepository } from "../../ports/WebhookRepository.js"
import { WebhookTransport } from "../../ports/WebhookTransport.js"
import { type ClaimedRun, type RunMove, type RunStep, WorkflowStore } from "../../ports/WorkflowStore.js"
import { SendEmail } from "../emails/SendEmail.js"
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
interface ClaimShared {
  properties?: ReadonlyArray<ContactProperty>
  readonly templates: Map<string, Option.Option<Template>>
  readonly renders: Map<string, TemplateForSend>
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
    if (shared.properties !== undefined) return shared.properties
    const properties = yield* (yield* ContactPropertyRepository).list(teamId)
    shared.properties = properties
    return properties
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
    if (known !== undefined) return known
    const templates = yield* TemplateRepository
    const cached = TemplateRepository.of({
      ...templates,
      get: (team, id) => {
        const hit = team === teamId ? shared.templates.get(id) : undefined
        if (hit !== undefined) return Effect.succeed(hit)
        return Effect.tap(templates.get(team, id), (found) => {
          if (team === teamId) shared.templates.set(id, found)
        })
      }
    })
    const rendered = yield* Effect.provideService(
      RenderTemplateForSend({ teamId }, effect.templateId, effect.variables, to),
      TemplateRepository,
      cached
    )
    const template = Schema.is(TemplatePublicId)(effect.templateId)
      ? shared.templates.get(effect.templateId)
      : undefined
    if (template !== undefined && Option.isSome(template)) {
      const { language } = yield* TemplateEngine
      if (!readsContact(language, template.value)) shared.renders.set(key, rendered)
    }
    return rendered
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
    const endpoint = /^[1-9][0-9]{0,9}$/.test(effect.webhookId)
      ? yield* (yield* WebhookRepository).get(teamId, WebhookId.make(Number(effect.webhookId)))
      : Option.none()
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
      case "SendEmail": {
        if (contact === null) return failure("the contact no longer exists")
        const template = yield* renderForSend(claim, teamId, effect, contact.email)
        const sent = yield* SendEmail(
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
        return { detail: { email_id: sent.id }, failed: null }
      }
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
      if (decision.effect !== null) {
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
      leaseMs: options.leaseMs,
      idle: options.idle
    })
  )
