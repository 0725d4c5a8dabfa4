import type {
  Contact,
  EncodedWebhookEvent,
  Graph,
  TeamId,
  TriggerConfig,
  Workflow,
  WorkflowPublicId,
  WorkflowRun,
  WorkflowRunStep,
  WorkflowStatus,
  WorkflowTriggerType
} from "@poststack/domain"
import { Context, type Effect, type Option } from "effect"
import type { AcceptResult, NewEmail } from "./EmailRepository.js"
import type { StoreUnavailable } from "./StoreUnavailable.js"

/** A run a worker holds under a lease; `attempt` names this claim when the step is recorded. */
export interface ClaimedRun {
  readonly run: WorkflowRun
  readonly attempt: number
  readonly workflowPublicId: WorkflowPublicId
  /**
   * The workflow's graph: one value per workflow and claim, shared by the runs claimed together
   * and new with every claim. The runner keeps what those runs read alike (the team's contact
   * properties, a template) against this value, so it is read once per claim, never staler.
   */
  readonly graph: Graph
  /** The run's contact, by its public id (`con_…`). */
  readonly contactPublicId: string
  /**
   * The contact itself when the claim read it along (no round trip per run); `null` when it is
   * gone, absent when the store leaves it to the caller to read.
   */
  readonly contact?: Contact | null
  /** Custom events the contact raised while the run waited at its node. */
  readonly events: ReadonlyArray<string>
  /**
   * False when the claim saw that no active endpoint of the team listens for `workflow.*` events:
   * the runner then builds no run events (`recordStep` would drop them). Absent: build them.
   */
  readonly listening?: boolean
}

/** One step of a run's history. */
export interface RunStep {
  readonly node: string
  readonly outcome: string
  readonly detail: Readonly<Record<string, unknown>> | null
  /** Outbox events the step writes with it (`workflow.run.*`), in the same transaction. */
  readonly events?: ReadonlyArray<EncodedWebhookEvent>
}

/** Where a recorded step leaves the run. */
export type RunMove =
  | { readonly _tag: "Goto"; readonly node: string }
  | { readonly _tag: "Wait"; readonly until: Date }
  | { readonly _tag: "Complete" }
  | { readonly _tag: "Fail"; readonly reason: string }

export interface WorkflowChanges {
  readonly name?: string
  readonly triggerType?: WorkflowTriggerType
  readonly triggerConfig?: TriggerConfig | null
}

/** What enrols contacts: a trigger type, and for custom events the event's name. */
/** A contact entering a workflow: its row id and its public id. */
export interface RunContact {
  readonly id: number
  readonly publicId: string
}

export interface Enrolment {
  readonly teamId: TeamId
  readonly contact: RunContact
  readonly triggerType: WorkflowTriggerType
  readonly event?: string
}

/**
 * Workflows, their graphs and their runs. Runs are a leased queue (`claim`, `extend`, `release`):
 * any number of workers share them, a run whose worker died comes back when its lease ends, and
 * only runs of active workflows are claimed, so pausing holds them where they are.
 */
export class WorkflowStore extends Context.Tag("@poststack/application/WorkflowStore")<
  WorkflowStore,
  {
    readonly create: (
      teamId: TeamId,
      fields: {
        readonly name: string
        readonly triggerType: WorkflowTriggerType
        readonly triggerConfig: TriggerConfig | null
      }
    ) => Effect.Effect<Workflow, StoreUnavailable>
    /** The team's workflows, oldest first; deleted ones are gone. */
    readonly list: (teamId: TeamId) => Effect.Effect<ReadonlyArray<Workflow>, StoreUnavailable>
    readonly get: (
      teamId: TeamId,
      id: WorkflowPublicId
    ) => Effect.Effect<Option.Option<Workflow>, StoreUnavailable>
    readonly update: (
      teamId: TeamId,
      id: WorkflowPublicId,
      changes: WorkflowChanges
    ) => Effect.Effect<Option.Option<Workflow>, StoreUnavailable>
    readonly setStatus: (
      teamId: TeamId,
      id: WorkflowPublicId,
      status: WorkflowStatus
    ) => Effect.Effect<Option.Option<Workflow>, StoreUnavailable>
    /** Hides the workflow and starts no new runs; runs in flight go on to their end. */
    readonly remove: (teamId: TeamId, id: WorkflowPublicId) => Effect.Effect<boolean, StoreUnavailable>
    readonly getGraph: (
      teamId: TeamId,
      id: WorkflowPublicId
    ) => Effect.Effect<Option.Option<Graph>, StoreUnavailable>
    /** Replaces the whole graph at once; false when the workflow is not the team's. */
    readonly putGraph: (
      teamId: TeamId,
      id: WorkflowPublicId,
      graph: Graph
    ) => Effect.Effect<boolean, StoreUnavailable>
    /**
     * Starts a run of one workflow for one contact at its trigger node, due at once, or, when the
     * graph has a `RunEntry` (and no endpoint listens for `workflow.run.started`), already waiting
     * at its first wait with the entry's steps in its history; none when the workflow allows no
     * re-entry and the contact already has a running run of it.
     */
    readonly startRun: (
      workflow: Workflow,
      contact: RunContact
    ) => Effect.Effect<Option.Option<WorkflowRun>, StoreUnavailable>
    /**
     * Starts a run in every active workflow of the team listening for this trigger (and event
     * name), and wakes the contact's runs waiting for that event; answers how many runs started.
     */
    readonly enrol: (enrolment: Enrolment) => Effect.Effect<number, StoreUnavailable>
    /**
     * Reads contact events of the outbox not yet seen by triggers (any worker, `SKIP LOCKED`),
     * starts runs of the workflows listening for them, and marks them seen, in one transaction.
     */
    readonly consumeContactEvents: (limit: number) => Effect.Effect<number, StoreUnavailable>
    readonly listRuns: (
      teamId: TeamId,
      id: WorkflowPublicId,
      limit: number
    ) => Effect.Effect<ReadonlyArray<WorkflowRun>, StoreUnavailable>
    readonly getRun: (
      teamId: TeamId,
      runId: number
    ) => Effect.Effect<Option.Option<WorkflowRun>, StoreUnavailable>
    readonly runSteps: (
      teamId: TeamId,
      runId: number
    ) => Effect.Effect<ReadonlyArray<WorkflowRunStep>, StoreUnavailable>
    /** Due running runs of active workflows, or running under a lease that ran out; now this worker's. */
    readonly claim: (request: {
      readonly limit: number
      readonly leaseMs: number
    }) => Effect.Effect<ReadonlyArray<ClaimedRun>, StoreUnavailable>
    readonly extend: (
      runs: ReadonlyArray<ClaimedRun>,
      leaseMs: number
    ) => Effect.Effect<void, StoreUnavailable>
    readonly release: (runs: ReadonlyArray<ClaimedRun>) => Effect.Effect<void, StoreUnavailable>
    /**
     * Records the steps a run took since its last record (their history rows, in order, their
     * outbox events, and the run's move after the last) and gives the run back to the queue, due
     * again at once, at its wait's end, or never once it ended; false (nothing written) when the
     * lease was lost to another worker. Every step but a last one that waits (`Wait`) left its node.
     */
    readonly recordStep: (
      claim: ClaimedRun,
      steps: ReadonlyArray<RunStep>,
      move: RunMove,
      /** The worker goes straight on with the run (a `Goto`): it keeps the lease instead of giving it back. */
      hold?: boolean
    ) => Effect.Effect<boolean, StoreUnavailable>
    /**
     * Records a `send_email` step in one transaction with its email: accepts the email (as
     * `EmailRepository.accept` does, suppressed recipients and plan holds included), records the
     * steps since the run's last record with the email's id in the last one's detail, and moves the
     * run, as `recordStep` does. A worker killed at any point has either done all of it or none:
     * the step is taken again and sends its email then. None (nothing written) when the lease was
     * lost to another worker.
     */
    readonly recordSend: (
      claim: ClaimedRun,
      steps: ReadonlyArray<RunStep>,
      move: RunMove,
      email: NewEmail,
      hold?: boolean
    ) => Effect.Effect<Option.Option<AcceptResult>, StoreUnavailable>
    /**
     * Queues a `webhook` step's POST to one endpoint of the team (which the caller found active),
     * on the webhook delivery queue with its retries; the event id makes it happen once: a repeat
     * of the step answers the delivery already queued. Answers the delivery's id; none when the
     * endpoint is not a webhook of the team.
     */
    readonly queueWebhook: (
      teamId: TeamId,
      webhookId: number,
      event: EncodedWebhookEvent & { readonly id: string }
    ) => Effect.Effect<Option.Option<number>, StoreUnavailable>
    /** The emails a run sent, by the node that sent them, and whether each was opened or clicked. */
    readonly sentEmails: (
      runId: number
    ) => Effect.Effect<
      ReadonlyMap<string, { readonly opened: boolean; readonly clicked: boolean }>,
      StoreUnavailable
    >
  }
>() {}
