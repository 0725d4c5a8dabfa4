import { Context, type Effect } from "effect"
import type { StoreUnavailable } from "./StoreUnavailable.js"

/** What one round of upkeep did to one table. */
export interface TableUpkeep {
  readonly table: string
  readonly vacuumed: boolean
  readonly analyzed: boolean
}

/**
 * The store's own housekeeping, for a store whose server does not do it: the queue tables
 * (deliveries, workflow runs, the outbox) are updated many times a row, and left unswept every
 * claim walks the dead versions of rows it took before.
 */
export class StoreUpkeep extends Context.Tag("@poststack/application/StoreUpkeep")<
  StoreUpkeep,
  {
    /**
     * Sweeps and re-reads the statistics of the tables that need it by the server's own rules,
     * when the server's automatic upkeep is off for them; answers what it did (nothing when the
     * server does it itself).
     */
    readonly tidy: Effect.Effect<ReadonlyArray<TableUpkeep>, StoreUnavailable>
  }
>() {}
