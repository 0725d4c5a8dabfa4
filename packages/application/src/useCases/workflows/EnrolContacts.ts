import {
  ContactNotFound,
  ContactPublicId,
  type TeamId,
  ValidationFailed,
  WorkflowNotTriggerable
} from "@poststack/domain"
import { Effect, Option, Schema } from "effect"
import { ContactRepository } from "../../ports/ContactRepository.js"
import { WorkflowStore } from "../../ports/WorkflowStore.js"
import { authorize, type Principal } from "../Principal.js"
import { findWorkflow, liveCaller } from "./ManageWorkflows.js"

const isContactId = Schema.is(ContactPublicId)

const contactBy = (
  teamId: TeamId,
  ref: { readonly contactId?: string | undefined; readonly email?: string | undefined }
) =>
  Effect.gen(function* () {
    const contacts = yield* ContactRepository
    const found =
      ref.contactId !== undefined
        ? isContactId(ref.contactId)
          ? yield* contacts.get(teamId, ref.contactId)
          : Option.none()
        : ref.email !== undefined
          ? yield* contacts.getByEmail(teamId, ref.email)
          : Option.none()
    if (Option.isNone(found)) return yield* new ContactNotFound()
    return found.value
  })

/**
 * Starts a run of a manual workflow for one contact: 422 unless the workflow is active and
 * triggered manually; a contact already in a workflow that allows no re-entry is a 409; a test key
 * is 403.
 */
export const TriggerWorkflow = Effect.fn("TriggerWorkflow")(function* (
  caller: Principal,
  id: string,
  contactId: string
) {
  const { teamId } = yield* authorize(caller, "workflows")
  yield* liveCaller(caller)
  const workflow = yield* findWorkflow(teamId, id)
  if (workflow.status !== "active")
    return yield* new WorkflowNotTriggerable({ reason: `Workflow is ${workflow.status}, not active` })
  if (workflow.triggerType !== "manual")
    return yield* new WorkflowNotTriggerable({
      reason: `Workflow is triggered by ${workflow.triggerType}, not manually`
    })
  const contact = yield* contactBy(teamId, { contactId })
  const run = yield* (yield* WorkflowStore).startRun(workflow, { id: contact.id, publicId: contact.publicId })
  if (Option.isNone(run))
    return yield* new WorkflowNotTriggerable({
      reason: "The contact is already in this workflow, which allows no re-entry"
    })
  return run.value
})

/**
 * A custom event of one contact (by `con_` id or address): enrols it in every active custom
 * workflow listening for that event name, and ends its runs' waits for that event. An event no
 * workflow listens for matches nothing, and succeeds. A test key is 403.
 */
export const PostWorkflowEvent = Effect.fn("PostWorkflowEvent")(function* (
  caller: Principal,
  body: {
    readonly event: string
    readonly contactId?: string | undefined
    readonly email?: string | undefined
  }
) {
  const { teamId } = yield* authorize(caller, "workflows")
  yield* liveCaller(caller)
  if (body.contactId === undefined && body.email === undefined)
    return yield* new ValidationFailed({ message: "contact_id or email is required" })
  const contact = yield* contactBy(teamId, body)
  const matched = yield* (yield* WorkflowStore).enrol({
    teamId,
    contact: { id: contact.id, publicId: contact.publicId },
    triggerType: "custom",
    event: body.event
  })
  return { event: body.event, matched }
})

/** The worker's trigger round: contact events of the outbox start the runs of workflows listening. */
export const ConsumeWorkflowTriggers = (limit: number) =>
  Effect.flatMap(WorkflowStore, (store) => store.consumeContactEvents(limit))
