import { SegmentAudience, SegmentRepository } from "@poststack/application"
import { newSegmentPublicId, Segment, type SegmentId, type TeamId } from "@poststack/domain"
import { Effect, Option } from "effect"
import { inAudience, type MemoryContactState } from "./MemoryContactRepository.js"

const endOfDay = (day: string) => Date.parse(day) + 86_400_000

/** Segments in process memory, over the memory contacts' state; same rules as the PostgreSQL ones. */
export const make = (state: MemoryContactState) => {
  const index = (teamId: TeamId, id: string) =>
    state.segments.findIndex((s) => s.teamId === teamId && s.publicId === id)
  const dropMembers = (segmentId: SegmentId) => {
    for (let i = state.members.length - 1; i >= 0; i--)
      if (state.members[i]?.segmentId === segmentId) state.members.splice(i, 1)
  }
  const owns = (teamId: TeamId, segmentId: SegmentId) =>
    state.segments.some((s) => s.id === segmentId && s.teamId === teamId)
  return SegmentRepository.of({
    create: (teamId, name, rules) =>
      Effect.sync(() => {
        const now = new Date()
        const segment = Segment.make({
          id: state.nextSegmentId++ as SegmentId,
          publicId: newSegmentPublicId(),
          teamId,
          name,
          rules,
          createdAt: now,
          updatedAt: now
        })
        state.segments.push(segment)
        return segment
      }),
    list: (teamId) =>
      Effect.sync(() =>
        state.segments
          .filter((s) => s.teamId === teamId)
          .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || b.id - a.id)
      ),
    get: (teamId, id) => Effect.sync(() => Option.fromNullable(state.segments[index(teamId, id)])),
    update: (teamId, id, changes) =>
      Effect.sync(() => {
        const at = index(teamId, id)
        const current = state.segments[at]
        if (current === undefined) return Option.none()
        const updated = Segment.make({
          ...current,
          ...(changes.name === undefined ? {} : { name: changes.name }),
          ...(changes.rules === undefined ? {} : { rules: changes.rules }),
          updatedAt: new Date()
        })
        state.segments[at] = updated
        if (changes.rules !== undefined) dropMembers(updated.id)
        return Option.some(updated)
      }),
    remove: (teamId, id) =>
      Effect.sync(() => {
        const at = index(teamId, id)
        const removed = state.segments[at]
        if (removed === undefined) return false
        state.segments.splice(at, 1)
        dropMembers(removed.id)
        return true
      }),
    addMembers: (teamId, segmentId, contactIds) =>
      Effect.sync(() => {
        const wanted = [...new Set(contactIds)]
        const found = wanted.map((id) => state.contacts.find((c) => c.teamId === teamId && c.publicId === id))
        const unknown = wanted.filter((_, i) => found[i] === undefined)
        if (unknown.length > 0) return { _tag: "Unknown" as const, unknown }
        if (!owns(teamId, segmentId)) return { _tag: "Added" as const, added: 0 }
        let added = 0
        for (const contact of found) {
          if (contact === undefined) continue
          if (state.members.some((m) => m.segmentId === segmentId && m.contactId === contact.id)) continue
          state.members.push({ segmentId, contactId: contact.id, addedAt: new Date() })
          added++
        }
        return { _tag: "Added" as const, added }
      }),
    removeMember: (teamId, segmentId, contactId) =>
      Effect.sync(() => {
        const contact = state.contacts.find((c) => c.teamId === teamId && c.publicId === contactId)
        if (contact === undefined || !owns(teamId, segmentId)) return false
        const at = state.members.findIndex((m) => m.segmentId === segmentId && m.contactId === contact.id)
        if (at < 0) return false
        state.members.splice(at, 1)
        return true
      }),
    growth: (teamId, segmentId, days) =>
      Effect.sync(() =>
        owns(teamId, segmentId)
          ? days.map((date) => ({
              date,
              members: state.members.filter(
                (m) => m.segmentId === segmentId && m.addedAt.getTime() < endOfDay(date)
              ).length
            }))
          : []
      )
  })
}

/** The memory twin of `SegmentAudience`: the same selection as the compiled SQL, by `matches`. */
export const makeAudience = (state: MemoryContactState) => {
  const members = (teamId: TeamId, audience: Parameters<SegmentAudience["Type"]["count"]>[1]) =>
    state.contacts.filter((c) => c.teamId === teamId && inAudience(state, audience)(c))
  return SegmentAudience.of({
    count: (teamId, audience) => Effect.sync(() => members(teamId, audience).length),
    ids: (teamId, audience, after, limit) =>
      Effect.sync(() =>
        members(teamId, audience)
          .map((c) => c.id)
          .filter((id) => after === null || id > after)
          .sort((a, b) => a - b)
          .slice(0, limit)
      )
  })
}
