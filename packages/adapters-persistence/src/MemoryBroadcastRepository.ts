import {
  type BroadcastContent,
  type BroadcastRead,
  BroadcastRepository,
  type Guarded
} from "@poststack/application"
import {
  AbTest,
  Broadcast,
  type BroadcastId,
  type BroadcastStatus,
  newBroadcastPublicId,
  Variant,
  zeroCounters
} from "@poststack/domain"
import { Context, Effect, Layer, Option } from "effect"

/** One broadcast as the twins keep it, with what PostgreSQL keeps in its row for the worker. */
export interface Row {
  broadcast: Broadcast
  variants: ReadonlyArray<Variant>
  /** When a worker may claim it next (`null`: never). */
  dueAt: Date | null
  /** A worker's lease, in epoch milliseconds. */
  leaseUntil: number | null
  /** Held while its team may not send (`MemoryBroadcastQueue.hold`). */
  mailHeld?: boolean
}

/** One recipient written by `MemoryBroadcastQueue`. */
export interface MemoryRecipient {
  readonly broadcastId: number
  readonly teamId: number
  readonly contactId: number
  readonly variantId: number | null
  readonly email: string
  readonly subject: string
  readonly live: boolean
  readonly at: Date
}

/** The broadcasts and their recipients, shared by the repository and the queue twins. */
export interface MemoryBroadcastState {
  readonly rows: Array<Row>
  readonly recipients: Array<MemoryRecipient>
  /** Each A/B sample's draw, in order: the contact and its variant. */
  readonly samples: Map<number, ReadonlyArray<{ readonly contactId: number; readonly variantId: number }>>
}

export const makeState = (): MemoryBroadcastState => ({ rows: [], recipients: [], samples: new Map() })

/** The twins' shared state, for the queue twin and for tests. */
export class MemoryBroadcastRows extends Context.Tag("@poststack/adapters-persistence/MemoryBroadcastRows")<
  MemoryBroadcastRows,
  MemoryBroadcastState
>() {}

const newestFirst = (a: Row, b: Row) =>
  b.broadcast.createdAt.getTime() - a.broadcast.createdAt.getTime() || b.broadcast.id - a.broadcast.id

/**
 * Broadcasts in process memory, by the rules of `PgBroadcastRepository`. It holds no emails: its
 * counters count the recipients `MemoryBroadcastQueue` wrote and nothing else (delivered, opened
 * and the rest stay at zero), and no one is ever unengaged: what a broadcast's mail did is the
 * PostgreSQL adapter's to count.
 */
export const make = (state: MemoryBroadcastState = makeState()) => {
  let nextId = 1
  let nextVariant = 1
  const rows = state.rows
  const recipientsOf = (broadcastId: number, variantId?: number) =>
    state.recipients.filter(
      (r) => r.broadcastId === broadcastId && (variantId === undefined || r.variantId === variantId)
    ).length
  const read = (row: Row): BroadcastRead => ({
    broadcast: row.broadcast,
    variants: row.variants,
    counters: { ...zeroCounters, totalRecipients: recipientsOf(row.broadcast.id) }
  })
  const find = (teamId: number, id: string) =>
    rows.find((r) => r.broadcast.teamId === teamId && r.broadcast.publicId === id)
  const contentFields = (c: BroadcastContent) => ({
    name: c.name,
    subject: c.subject,
    html: c.html,
    text: c.text,
    from: c.from,
    fromName: c.fromName,
    replyTo: c.replyTo,
    domainId: c.domainId,
    segmentId: c.segmentId as number,
    segmentPublicId: c.segmentPublicId,
    topicId: c.topicId as number | null,
    topicPublicId: c.topicPublicId,
    abTest:
      c.abTest === null
        ? null
        : AbTest.make({
            samplePercent: c.abTest.samplePercent,
            durationMinutes: c.abTest.durationMinutes,
            metric: c.abTest.metric
          })
  })
  const variantsOf = (c: BroadcastContent) =>
    (c.abTest?.variants ?? []).map((v, position) =>
      Variant.make({
        id: nextVariant++,
        position,
        name: v.name,
        subject: v.subject,
        html: v.html,
        text: v.text,
        weight: v.weight
      })
    )
  const change = (row: Row, fields: Partial<Broadcast>) => {
    row.broadcast = Broadcast.make({ ...row.broadcast, ...fields, updatedAt: new Date() })
  }
  const guarded = <A>(
    teamId: number,
    id: string,
    allowed: (status: BroadcastStatus) => boolean,
    write: (row: Row) => A
  ): Effect.Effect<Guarded<A>> =>
    Effect.sync(() => {
      const row = find(teamId, id)
      if (row === undefined) return { _tag: "NotFound" }
      if (!allowed(row.broadcast.status)) return { _tag: "Refused", status: row.broadcast.status }
      return { _tag: "Written", value: write(row) }
    })

  return BroadcastRepository.of({
    create: (teamId, input) =>
      Effect.sync(() => {
        const now = new Date()
        const row: Row = {
          broadcast: Broadcast.make({
            id: nextId++ as BroadcastId,
            publicId: newBroadcastPublicId(),
            teamId,
            ...contentFields(input),
            status: input.scheduledAt === null ? "draft" : "queued",
            testMode: input.testMode,
            winnerVariantId: null,
            phase: "idle",
            cursor: 0,
            sampleTarget: null,
            scheduledAt: input.scheduledAt,
            sentAt: null,
            createdAt: now,
            updatedAt: now
          }),
          variants: variantsOf(input),
          dueAt: input.scheduledAt,
          leaseUntil: null
        }
        rows.push(row)
        return read(row)
      }),
    get: (teamId, id) => Effect.sync(() => Option.map(Option.fromNullable(find(teamId, id)), read)),
    list: (teamId, filter, page, perPage) =>
      Effect.sync(() => {
        const search = filter.search?.toLowerCase()
        const matching = rows
          .filter(
            (r) =>
              r.broadcast.teamId === teamId &&
              (search === undefined || r.broadcast.subject.toLowerCase().includes(search)) &&
              (filter.status === undefined || r.broadcast.status === filter.status)
          )
          .sort(newestFirst)
        return {
          rows: matching.slice((page - 1) * perPage, page * perPage).map(read),
          total: matching.length
        }
      }),
    bySegment: (teamId, segmentId) =>
      Effect.sync(() =>
        rows
          .filter((r) => r.broadcast.teamId === teamId && r.broadcast.segmentId === segmentId)
          .sort(newestFirst)
          .map((r) => r.broadcast)
      ),
    sentSince: (teamId, since, limit) =>
      Effect.sync(() =>
        rows
          .filter(
            (r) =>
              r.broadcast.teamId === teamId &&
              (r.broadcast.status === "sending" || r.broadcast.status === "sent") &&
              (since === null || (r.broadcast.sentAt !== null && r.broadcast.sentAt >= since))
          )
          .sort((a, b) => (b.broadcast.sentAt?.getTime() ?? 0) - (a.broadcast.sentAt?.getTime() ?? 0))
          .slice(0, limit)
          .map(read)
      ),
    update: (teamId, id, allowed, next) =>
      guarded(teamId, id, allowed, (row) => {
        const content = next(read(row))
        change(row, contentFields(content))
        row.variants = variantsOf(content)
        return read(row)
      }),
    queue: (teamId, id, allowed, at) =>
      guarded(teamId, id, allowed, (row) => {
        change(row, { status: "queued" })
        row.dueAt = at
      }),
    // The twin writes no emails: no mail of a sent broadcast waits in a delivery queue here.
    cancel: (teamId, id, allowed) =>
      guarded(
        teamId,
        id,
        (status) => allowed(status, false),
        (row) => {
          change(row, { status: "cancelled" })
          row.dueAt = null
          row.leaseUntil = null
          return { cancelledDeliveries: 0 }
        }
      ),
    variantCounters: (broadcastId) =>
      Effect.sync(() =>
        (rows.find((r) => r.broadcast.id === broadcastId)?.variants ?? []).map((v) => ({
          ...zeroCounters,
          variantId: v.id,
          totalRecipients: recipientsOf(broadcastId, v.id)
        }))
      ),
    decideWinner: (broadcastId, winner) =>
      Effect.sync(() => {
        const row = rows.find((r) => r.broadcast.id === broadcastId)
        if (
          row === undefined ||
          row.broadcast.winnerVariantId !== null ||
          row.broadcast.status !== "sending" ||
          (row.broadcast.phase !== "sample" && row.broadcast.phase !== "waiting")
        )
          return false
        change(row, { winnerVariantId: winner, phase: "rest" })
        row.dueAt = new Date()
        return true
      }),
    engagementByHour: () => Effect.succeed([]),
    unengaged: () => Effect.succeed({ count: 0, contacts: [] })
  })
}

/** The repository twin with its state, which `MemoryBroadcastQueue.layer` shares. */
export const layer = Layer.effect(BroadcastRepository, Effect.map(MemoryBroadcastRows, make)).pipe(
  Layer.provideMerge(Layer.sync(MemoryBroadcastRows, makeState))
)
