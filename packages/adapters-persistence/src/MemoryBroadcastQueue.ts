import {
  type BroadcastJob,
  BroadcastQueue,
  ContactRepository,
  type ExpansionStep,
  SuppressionList,
  TopicRepository,
  UsageMeter
} from "@poststack/application"
import {
  Broadcast,
  type Contact,
  type ContactId,
  dayOf,
  isUnlimited,
  quotaRefusal,
  quotaRoom,
  sampleSize,
  type SegmentAudienceOf,
  type TeamId,
  type TopicId,
  variantAt,
  variantBounds
} from "@poststack/domain"
import { Effect, Layer } from "effect"
import { type MemoryBroadcastState, MemoryBroadcastRows, type Row } from "./MemoryBroadcastRepository.js"

/**
 * The broadcast queue in process memory, by the rules of `PgBroadcastQueue`: claims with a lease
 * when due, a random A/B draw kept at the start, batches past a cursor that never write a contact
 * twice, the plan's room counted with what the team sent. The audience is read through the
 * contact, topic and suppression ports; recipients are kept in the shared state (no emails are
 * written), and the usage they add is counted here on top of the meter's.
 */
export const make = Effect.gen(function* () {
  const state: MemoryBroadcastState = yield* MemoryBroadcastRows
  const contacts = yield* ContactRepository
  const topics = yield* TopicRepository
  const suppressions = yield* SuppressionList
  const meter = yield* UsageMeter

  const rowOf = (id: number) => state.rows.find((r) => r.broadcast.id === id)
  const jobOf = (row: Row): BroadcastJob => ({
    broadcast: row.broadcast,
    variants: row.variants.map((v) => ({
      id: v.id,
      weight: v.weight,
      subject: v.subject,
      html: v.html,
      text: v.text
    }))
  })
  const change = (row: Row, fields: Partial<Broadcast>) => {
    row.broadcast = Broadcast.make({ ...row.broadcast, ...fields, updatedAt: new Date() })
  }

  /** The team's contacts the broadcast reaches now, in id order. */
  const reachable = (b: Broadcast, audience: SegmentAudienceOf) =>
    Effect.gen(function* () {
      const teamId = b.teamId as TeamId
      const all = (yield* contacts.all(teamId, audience)).filter((c) => !c.unsubscribed)
      const suppressed = yield* suppressions.reasons(
        teamId,
        all.map((c) => c.email)
      )
      const optedOut =
        b.topicId === null
          ? new Set<ContactId>()
          : yield* topics.optedOut(
              teamId,
              b.topicId as TopicId,
              all.map((c) => c.id)
            )
      return all
        .filter((c) => !suppressed.has(c.email.toLowerCase()) && !optedOut.has(c.id))
        .sort((x, y) => x.id - y.id)
    })

  const mailed = (b: Broadcast) =>
    new Set(state.recipients.filter((r) => r.broadcastId === b.id).map((r) => r.contactId))

  const write = (row: Row, picked: ReadonlyArray<{ contact: Contact; variantId: number | null }>) => {
    const b = row.broadcast
    for (const { contact, variantId } of picked)
      state.recipients.push({
        broadcastId: b.id,
        teamId: b.teamId,
        contactId: contact.id,
        variantId,
        email: contact.email,
        subject: row.variants.find((v) => v.id === variantId)?.subject ?? b.subject,
        live: !b.testMode,
        at: new Date()
      })
  }

  /** The batch's size under the plan, or the limit that leaves no room. */
  const roomUnder = (
    b: Broadcast,
    plan: Parameters<BroadcastQueue["Type"]["step"]>[2]["plan"],
    limit: number
  ) =>
    Effect.gen(function* () {
      if (plan === undefined || b.testMode || isUnlimited(plan)) return limit
      const now = new Date()
      const usage = yield* meter.toDate(b.teamId as TeamId, now)
      const ours = state.recipients.filter((r) => r.teamId === b.teamId && r.live)
      const counted = {
        today: usage.today + ours.filter((r) => dayOf(r.at) === dayOf(now)).length,
        month: usage.month + ours.filter((r) => dayOf(r.at).slice(0, 7) === dayOf(now).slice(0, 7)).length
      }
      const room = quotaRoom(plan, counted)
      if (room === null) return limit
      if (room > 0) return Math.min(limit, room)
      return {
        _tag: "OutOfQuota",
        refusal: quotaRefusal(plan, counted) === "monthly" ? "monthly" : "daily"
      } as const
    })

  return BroadcastQueue.of({
    claim: ({ limit, leaseMs }) =>
      Effect.sync(() => {
        const now = Date.now()
        const due = state.rows
          .filter(
            (r) =>
              (r.broadcast.status === "queued" || r.broadcast.status === "sending") &&
              r.dueAt !== null &&
              r.dueAt.getTime() <= now &&
              (r.leaseUntil === null || r.leaseUntil < now)
          )
          .sort((a, b) => (a.dueAt?.getTime() ?? 0) - (b.dueAt?.getTime() ?? 0))
          .slice(0, limit)
        for (const r of due) r.leaseUntil = now + leaseMs
        return due.map(jobOf)
      }),
    extend: (jobs, leaseMs) =>
      Effect.sync(() => {
        for (const job of jobs) {
          const row = rowOf(job.broadcast.id)
          if (row !== undefined && (row.broadcast.status === "queued" || row.broadcast.status === "sending"))
            row.leaseUntil = Date.now() + leaseMs
        }
      }),
    release: (jobs) =>
      Effect.sync(() => {
        for (const job of jobs) {
          const row = rowOf(job.broadcast.id)
          if (row !== undefined) row.leaseUntil = null
        }
      }),
    reach: (b, audience) => Effect.map(reachable(b, audience), (all) => all.length),
    start: (job, audience) =>
      Effect.gen(function* () {
        const row = rowOf(job.broadcast.id)
        if (row === undefined) return job
        const all = yield* reachable(row.broadcast, audience)
        const b = row.broadcast
        if (b.status !== "queued" || b.phase !== "idle") return jobOf(row)
        const ab = b.abTest !== null && row.variants.length >= 2
        const target = ab ? sampleSize(all.length, b.abTest?.samplePercent ?? 20, row.variants.length) : null
        change(row, {
          status: "sending",
          sentAt: b.sentAt ?? new Date(),
          phase: ab ? "sample" : "rest",
          sampleTarget: target,
          cursor: 0
        })
        if (target !== null) {
          // A uniform shuffle (Fisher-Yates), its first places the sample, each place's variant by weight.
          const order = [...all]
          for (let i = order.length - 1; i > 0; i--) {
            const j = Math.floor(Math.random() * (i + 1))
            const t = order[i] as Contact
            order[i] = order[j] as Contact
            order[j] = t
          }
          const bounds = variantBounds(
            row.variants.map((v) => v.weight),
            target
          )
          state.samples.set(
            b.id,
            order.slice(0, target).map((c, position) => ({
              contactId: c.id,
              variantId: row.variants[variantAt(bounds, position)]?.id ?? 0
            }))
          )
        }
        return jobOf(row)
      }),
    step: (job, audience, { limit, plan }) =>
      Effect.gen(function* () {
        const row = rowOf(job.broadcast.id)
        if (row === undefined || row.broadcast.status !== "sending")
          return { _tag: "Stopped" } as ExpansionStep
        const b = row.broadcast
        const room = yield* roomUnder(b, plan, limit)
        if (typeof room !== "number") return room as ExpansionStep
        const done = mailed(b)
        const live = new Map((yield* reachable(b, audience)).map((c) => [c.id as number, c]))
        if (b.phase === "sample") {
          const draw = state.samples.get(b.id) ?? []
          const next = draw
            .map((s, position) => ({ ...s, position: position + 1 }))
            .filter((s) => s.position > b.cursor && live.has(s.contactId) && !done.has(s.contactId))
            .slice(0, room)
          write(
            row,
            next.map((s) => ({ contact: live.get(s.contactId) as Contact, variantId: s.variantId }))
          )
          if (next.length < room) {
            const windowEnd = new Date(
              (b.sentAt ?? new Date()).getTime() + (b.abTest?.durationMinutes ?? 120) * 60_000
            )
            change(row, { phase: "waiting", cursor: 0 })
            row.dueAt = windowEnd
            return { _tag: "PhaseDone" } as ExpansionStep
          }
          change(row, { cursor: next.at(-1)?.position ?? b.cursor })
          return { _tag: "Batch", recipients: next.length } as ExpansionStep
        }
        if (b.phase === "rest") {
          const next = [...live.values()].filter((c) => c.id > b.cursor && !done.has(c.id)).slice(0, room)
          write(
            row,
            next.map((contact) => ({ contact, variantId: b.winnerVariantId }))
          )
          const cursor = next.at(-1)?.id ?? b.cursor
          if (next.length < room) {
            change(row, { cursor, phase: "done", status: "sent" })
            row.dueAt = null
            row.leaseUntil = null
            return { _tag: "PhaseDone" } as ExpansionStep
          }
          change(row, { cursor })
          return { _tag: "Batch", recipients: next.length } as ExpansionStep
        }
        return { _tag: "PhaseDone" } as ExpansionStep
      }),
    reload: (job) =>
      Effect.sync(() => {
        const row = rowOf(job.broadcast.id)
        return row === undefined ? null : jobOf(row)
      }),
    hold: (job, recheckAt) =>
      Effect.sync(() => {
        const row = rowOf(job.broadcast.id)
        if (row === undefined || (row.broadcast.status !== "queued" && row.broadcast.status !== "sending"))
          return
        row.mailHeld = true
        row.leaseUntil = null
        row.dueAt = recheckAt
      }),
    unhold: (job) =>
      Effect.sync(() => {
        const row = rowOf(job.broadcast.id)
        if (row !== undefined) row.mailHeld = false
      }),
    park: (job, at) =>
      Effect.sync(() => {
        const row = rowOf(job.broadcast.id)
        if (row === undefined) return
        row.leaseUntil = null
        row.dueAt = at
      })
  })
})

/** Needs `MemoryBroadcastRepository.layer` (its state) and the contact, topic, suppression and usage twins. */
export const layer = Layer.effect(BroadcastQueue, make)
