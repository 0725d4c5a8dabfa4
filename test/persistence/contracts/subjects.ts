import {
  MemoryContactPropertyRepository,
  MemoryContactRepository,
  MemoryAuditLog,
  MemoryBroadcastQueue,
  MemoryBroadcastRepository,
  MemoryDmarcReportRepository,
  MemoryEmailRepository,
  MemoryRepositories,
  MemoryRequestLog,
  MemorySuppressionList,
  MemoryTemplateRepository,
  MemoryWebhookRepository,
  MemoryWorkflowStore,
  PgDatabase,
  PgPersistence
} from "@poststack/adapters-persistence"
import { TeamRepository } from "@poststack/application"
import type { TeamId, WebhookDeliveryStatus } from "@poststack/domain"
import { Effect, Layer, ManagedRuntime, Redacted } from "effect"
import { createTestDatabase, query } from "../../support/database.js"

type Provided<L> = L extends Layer.Layer<infer A, infer _E, infer _R> ? A : never
/** Every port both the memory twins and the PostgreSQL adapters provide. */
const memoryPorts = MemoryWorkflowStore.layer.pipe(
  Layer.provideMerge(MemoryEmailRepository.layer),
  Layer.provideMerge(
    Layer.mergeAll(
      MemoryRepositories.layer,
      MemorySuppressionList.layer,
      MemoryWebhookRepository.layer,
      MemoryDmarcReportRepository.layer,
      MemoryAuditLog.layer,
      MemoryRequestLog.layer,
      MemoryContactPropertyRepository.layerWithContacts,
      MemoryTemplateRepository.layer,
      MemoryBroadcastRepository.layer
    )
  )
)
const memoryLayer = MemoryBroadcastQueue.layer.pipe(Layer.provideMerge(memoryPorts))
export type Ports = Provided<typeof memoryLayer> & Provided<typeof PgPersistence>

/** One implementation of the ports under test, with what a contract suite needs to look at it. */
export interface Subject {
  readonly name: string
  readonly run: <A, E>(effect: Effect.Effect<A, E, Ports>) => Promise<A>
  /** The team's outbox events, oldest first. */
  readonly events: (teamId: TeamId) => Promise<ReadonlyArray<{ type: string; payload: unknown }>>
  /** Ends a webhook delivery as a worker's last attempt would. */
  readonly settleDelivery: (deliveryId: number, status: WebhookDeliveryStatus) => Promise<void>
  readonly close: () => Promise<void>
}

const memory = async (): Promise<Subject> => {
  const runtime = ManagedRuntime.make(memoryLayer)
  return {
    name: "memory",
    run: (effect) => runtime.runPromise(effect),
    events: (teamId) =>
      runtime.runPromise(
        Effect.map(
          Effect.all([MemoryRepositories.MemoryTenancy, MemoryContactRepository.MemoryContactOutbox]),
          ([t, c]) =>
            [
              ...t.events.map((e) => ({ teamId: e.teamId, type: e.type, payload: e.payload })),
              ...c.events.map((e) => ({ teamId: e.teamId, type: e.type, payload: e.data }))
            ]
              .filter((e) => e.teamId === teamId)
              .map(({ type, payload }) => ({ type, payload }))
        )
      ),
    settleDelivery: (id, status) =>
      runtime.runPromise(
        Effect.flatMap(MemoryWebhookRepository.MemoryWebhookDeliveries, (m) => m.settle(id, status))
      ),
    close: () => runtime.dispose()
  }
}

const postgres = async (): Promise<Subject> => {
  const db = await createTestDatabase()
  const runtime = ManagedRuntime.make(
    PgPersistence.pipe(Layer.provideMerge(PgDatabase.layer(Redacted.make(db.url), { maxConnections: 4 })))
  )
  await runtime.runPromise(Effect.void)
  return {
    name: "postgres",
    run: (effect) => runtime.runPromise(effect),
    events: (teamId) =>
      query<{ type: string; payload: unknown }>(
        db.url,
        "SELECT type, payload FROM events WHERE team_id = $1 ORDER BY id",
        [teamId]
      ),
    settleDelivery: async (id, status) => {
      await query(
        db.url,
        "UPDATE webhook_deliveries SET status = $2, delivered_at = CASE WHEN $2 = 'delivered' THEN now() END WHERE id = $1",
        [id, status]
      )
    },
    close: async () => {
      await runtime.dispose()
      await db.drop()
    }
  }
}

/** A new team, made through the `TeamRepository` of the subject. */
export const newTeam = (s: Subject): Promise<TeamId> =>
  s.run(
    Effect.map(
      Effect.flatMap(TeamRepository, (t) => t.create("team")),
      (t) => t.id
    )
  )

/** The memory twins and the PostgreSQL adapters: every contract suite runs against both. */
export const subjects = [
  ["memory", memory],
  ["postgres", postgres]
] as const
