import { ContactEngagement, type EngagementProgress } from "@poststack/application"
import { Contact, isEngagement, segmentAt, type TeamId } from "@poststack/domain"
import { Context, Effect } from "effect"
import type { MemoryContactState } from "./MemoryContactRepository.js"

/** A tracking event as the memory twin sees it: what `email_events` joined to its delivery holds. */
export interface MemoryTrackingEvent {
  readonly teamId: TeamId
  readonly recipient: string
  readonly type: string
  readonly isPrefetch: boolean
  readonly at: Date
}

/** Test seam: stores a tracking event (positions count up from 1, as a sequence would). */
export class MemoryTrackingEvents extends Context.Tag("@poststack/adapters-persistence/MemoryTrackingEvents")<
  MemoryTrackingEvents,
  { readonly add: (event: MemoryTrackingEvent) => Effect.Effect<void> }
>() {}

export interface MemoryEngagementState {
  readonly events: Array<MemoryTrackingEvent & { readonly id: number }>
  progress: EngagementProgress
}

export const makeState = (): MemoryEngagementState => ({
  events: [],
  progress: { resumeAfter: 0, readThrough: 0, fullPassAt: null }
})

/** The engagement recalculation over the memory contacts; same rules as the PostgreSQL one. */
export const make = (contacts: MemoryContactState, state: MemoryEngagementState) =>
  ContactEngagement.of({
    progress: () => Effect.sync(() => state.progress),
    saveProgress: (progress) =>
      Effect.sync(() => {
        state.progress = progress
      }),
    fold: (after, limit, cutoffs) =>
      Effect.sync(() => {
        const batch = state.events.filter((e) => e.id > after && isEngagement(e)).slice(0, limit)
        const latest = new Map<string, Date>()
        for (const e of batch) {
          const key = `${e.teamId}:${e.recipient.toLowerCase()}`
          const seen = latest.get(key)
          if (seen === undefined || seen < e.at) latest.set(key, e.at)
        }
        contacts.contacts.forEach((c, i) => {
          const at = latest.get(`${c.teamId}:${c.email.toLowerCase()}`)
          if (at === undefined || (c.lastEngagedAt !== null && c.lastEngagedAt >= at)) return
          contacts.contacts[i] = Contact.make({
            ...c,
            lastEngagedAt: at,
            engagementSegment: segmentAt(at, cutoffs)
          })
        })
        return { read: batch.length, last: batch.at(-1)?.id ?? null }
      }),
    reclassify: (cutoffs, limit) =>
      Effect.sync(() => {
        let moved = 0
        contacts.contacts.forEach((c, i) => {
          if (moved >= limit || c.engagementSegment === "dormant") return
          const segment = segmentAt(c.lastEngagedAt, cutoffs)
          if (segment === c.engagementSegment) return
          contacts.contacts[i] = Contact.make({ ...c, engagementSegment: segment })
          moved++
        })
        return moved
      })
  })

export const tracking = (state: MemoryEngagementState) =>
  MemoryTrackingEvents.of({
    add: (event) =>
      Effect.sync(() => {
        state.events.push({ ...event, id: state.events.length + 1 })
      })
  })
