import type { Actor, ActorKind } from "@poststack/domain"
import { Effect } from "effect"

/** An actor as two columns, and back. */
export const actorColumns = (actor: Actor | null): { kind: ActorKind | null; id: string | null } =>
  actor === null ? { kind: null, id: null } : { kind: actor.kind, id: actor.id }

export const actorFrom = (kind: ActorKind | null, id: string | null): Actor | null =>
  kind === null ? null : kind === "operator" ? { kind, id: null } : { kind, id: id ?? "" }

/**
 * Runs a bounded `DELETE … RETURNING` again until one deletes fewer than `batch` rows: each
 * statement holds few locks and writes little WAL, so the purge never stalls the writers.
 */
export const purgeInBatches = <E, R>(
  deleteBatch: Effect.Effect<ReadonlyArray<unknown>, E, R>,
  batch: number
): Effect.Effect<number, E, R> =>
  Effect.map(
    Effect.iterate(
      { removed: 0, last: batch },
      {
        while: (s) => s.last >= batch,
        body: (s) =>
          Effect.map(deleteBatch, (rows) => ({ removed: s.removed + rows.length, last: rows.length }))
      }
    ),
    (s) => s.removed
  )
