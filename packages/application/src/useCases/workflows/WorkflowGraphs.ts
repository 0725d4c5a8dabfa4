import {
  canSend,
  domainOf,
  type Graph,
  type GraphReferences,
  parseGraph,
  parseMailbox,
  referencesOf,
  SegmentPublicId,
  type TeamId,
  TemplatePublicId,
  TopicPublicId,
  type TypedNode,
  validateGraph,
  WebhookId,
  webhookIdFrom,
  WorkflowGraphInvalid,
  type WorkflowPublicId,
  type WorkflowTriggerType,
  WorkflowNotFound
} from "@poststack/domain"
import { Effect, Either, Option, Schema } from "effect"
import { ContactPropertyRepository } from "../../ports/ContactPropertyRepository.js"
import { DomainRepository } from "../../ports/DomainRepository.js"
import type { StoreUnavailable } from "../../ports/StoreUnavailable.js"
import { SegmentRepository } from "../../ports/SegmentRepository.js"
import { TemplateRepository } from "../../ports/TemplateRepository.js"
import { TopicRepository } from "../../ports/TopicRepository.js"
import { WebhookRepository } from "../../ports/WebhookRepository.js"
import { WorkflowStore } from "../../ports/WorkflowStore.js"
import { authorize, type Principal } from "../Principal.js"
import { findWorkflow } from "./ManageWorkflows.js"

const isTemplate = Schema.is(TemplatePublicId)
const isSegment = Schema.is(SegmentPublicId)
const isTopic = Schema.is(TopicPublicId)

/** Which of the ids a graph names are the team's: another team's id is as missing as an unknown one. */
export const referencesFor = (teamId: TeamId, nodes: ReadonlyArray<TypedNode>) =>
  Effect.gen(function* () {
    const wanted = referencesOf(nodes)
    const keep = <A>(
      ids: ReadonlySet<string>,
      valid: (id: string) => boolean,
      get: (id: string) => Effect.Effect<Option.Option<A>, StoreUnavailable>
    ) =>
      Effect.map(
        Effect.forEach([...ids].filter(valid), (id) =>
          Effect.map(get(id), (found) => (Option.isSome(found) ? [id] : []))
        ),
        (found) => new Set(found.flat())
      )
    const templates = yield* TemplateRepository
    const segments = yield* SegmentRepository
    const topics = yield* TopicRepository
    const webhooks = yield* WebhookRepository
    const drafts = new Set<string>()
    const refs: GraphReferences = {
      templates: yield* keep(wanted.templates, isTemplate, (id) =>
        Effect.map(templates.get(teamId, id as TemplatePublicId), (found) => {
          if (Option.isSome(found) && !found.value.published) drafts.add(id)
          return Option.filter(found, (t) => t.published)
        })
      ),
      draftTemplates: drafts,
      segments: yield* keep(wanted.segments, isSegment, (id) => segments.get(teamId, id as SegmentPublicId)),
      topics: yield* keep(wanted.topics, isTopic, (id) => topics.get(teamId, id as TopicPublicId)),
      webhooks: yield* keep(
        wanted.webhooks,
        (id) => webhookIdFrom(id) !== null,
        (id) => webhooks.get(teamId, WebhookId.make(Number(id)))
      ),
      properties: yield* (yield* ContactPropertyRepository).list(teamId)
    }
    return refs
  })

/** Everything that keeps the stored graph from running, each naming its node; empty when it can run. */
export const GraphErrors = (teamId: TeamId, id: WorkflowPublicId, trigger: WorkflowTriggerType) =>
  Effect.gen(function* () {
    const graph = yield* (yield* WorkflowStore).getGraph(teamId, id)
    if (Option.isNone(graph)) return yield* new WorkflowNotFound({ id })
    return yield* errorsOf(teamId, graph.value, trigger)
  })

const errorsOf = (teamId: TeamId, graph: Graph, trigger: WorkflowTriggerType) =>
  Effect.gen(function* () {
    const parsed = parseGraph(graph)
    if (Either.isLeft(parsed)) return parsed.left
    const errors = [...validateGraph(graph, yield* referencesFor(teamId, parsed.right))]
    for (const node of parsed.right) {
      // Its own contact.updated event would enrol the contact again, for ever.
      if (node.type === "update_contact" && trigger === "contact.updated")
        errors.push(`node ${node.id}: a workflow triggered by contact.updated may not update the contact`)
      // A topic choice writes a contact.updated (a subscription also starts contact.subscribed runs).
      if (
        (node.type === "subscribe_topic" || node.type === "unsubscribe_topic") &&
        (trigger === "contact.updated" || trigger === "contact.subscribed")
      )
        errors.push(`node ${node.id}: a workflow triggered by ${trigger} may not change topic subscriptions`)
      // Its mail goes out as the team: from an address of one of the team's verified domains.
      if (node.type === "send_email") {
        const from = parseMailbox(node.config.from)
        if (from === undefined) errors.push(`node ${node.id}: from is not a valid address`)
        else {
          const domain = yield* (yield* DomainRepository).findByName(teamId, domainOf(from.address))
          if (Option.isNone(domain) || !canSend(domain.value))
            errors.push(`node ${node.id}: from ${from.address} is not on a verified domain of the team`)
        }
      }
    }
    return errors
  })

export const GetWorkflowGraph = Effect.fn("GetWorkflowGraph")(function* (caller: Principal, id: string) {
  const { teamId } = yield* authorize(caller, "workflows")
  const workflow = yield* findWorkflow(teamId, id)
  const graph = yield* (yield* WorkflowStore).getGraph(teamId, workflow.publicId)
  return Option.getOrElse(graph, () => ({ nodes: [], edges: [] }) as Graph)
})

/**
 * Replaces the graph at once. A malformed graph (unknown node types, configs of the wrong shape
 * or size, dangling edges) is refused, naming its nodes; a well-formed but unfinished one is
 * kept for `validate` to report, except on an active workflow, whose graph must stay runnable.
 */
export const PutWorkflowGraph = Effect.fn("PutWorkflowGraph")(function* (
  caller: Principal,
  id: string,
  graph: Graph
) {
  const { teamId } = yield* authorize(caller, "workflows")
  const workflow = yield* findWorkflow(teamId, id)
  const parsed = parseGraph(graph)
  if (Either.isLeft(parsed)) return yield* new WorkflowGraphInvalid({ errors: parsed.left })
  if (workflow.status === "active") {
    const errors = yield* errorsOf(teamId, graph, workflow.triggerType)
    if (errors.length > 0) return yield* new WorkflowGraphInvalid({ errors })
  }
  yield* (yield* WorkflowStore).putGraph(teamId, workflow.publicId, graph)
  return graph
})

export const ValidateWorkflow = Effect.fn("ValidateWorkflow")(function* (caller: Principal, id: string) {
  const { teamId } = yield* authorize(caller, "workflows")
  const workflow = yield* findWorkflow(teamId, id)
  return yield* GraphErrors(teamId, workflow.publicId, workflow.triggerType)
})
