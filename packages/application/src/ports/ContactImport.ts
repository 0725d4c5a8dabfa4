import type { Contact, EncodedWebhookEvent, TeamId } from "@poststack/domain"
import { Context, type Effect } from "effect"
import type { NewContact } from "./ContactRepository.js"
import type { StoreUnavailable } from "./StoreUnavailable.js"

/** Adds one batch of an import; answers which of the batch's rows were added. */
export type ImportBatch = (
  rows: ReadonlyArray<NewContact>
) => Effect.Effect<{ readonly imported: number; readonly skipped: ReadonlyArray<number> }, StoreUnavailable>

/**
 * A bulk import of contacts as one unit: every batch written through `insert` is kept when `body`
 * succeeds, and none is when it fails (a file found broken half-way writes nothing).
 */
export class ContactImport extends Context.Tag("@poststack/application/ContactImport")<
  ContactImport,
  {
    /**
     * Runs `body` with an `insert` for the team. `insert` adds the rows whose address the team does
     * not have yet (nor an earlier row of the same import) and answers the indexes, within the batch,
     * of the rows it skipped. `events`, when given, are written to the outbox for each added contact.
     */
    readonly run: <A, E, R>(
      teamId: TeamId,
      events: ((created: Contact) => ReadonlyArray<EncodedWebhookEvent>) | null,
      body: (insert: ImportBatch) => Effect.Effect<A, E, R>
    ) => Effect.Effect<A, E | StoreUnavailable, R>
  }
>() {}
