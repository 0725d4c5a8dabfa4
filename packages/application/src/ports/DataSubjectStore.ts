import type { ErasureStage, TeamId } from "@poststack/domain"
import { Context, type Effect } from "effect"
import type { StoreUnavailable } from "./StoreUnavailable.js"

/** One batch of an erasure. */
export interface ErasureStep {
  readonly removed: number
  /** Where the next batch of the stage starts; `null` when the stage has nothing left. */
  readonly cursor: number | null
  /** Stored files (inbound messages, attachments) no remaining row refers to: the caller deletes them. */
  readonly freedBlobs: ReadonlyArray<string>
}

/** Everything one team holds that names a data subject, as plain JSON records by kind (P37). */
export interface SubjectArchive {
  readonly emails: ReadonlyArray<unknown>
  readonly events: ReadonlyArray<unknown>
  readonly contacts: ReadonlyArray<unknown>
  readonly inbound: ReadonlyArray<unknown>
  readonly webhookDeliveries: ReadonlyArray<unknown>
  readonly suppressions: ReadonlyArray<unknown>
}

/**
 * A team's data about one address (a recipient, a contact, a sender of inbound mail), found
 * wherever the product copied it: emails and their deliveries, events and engagement, outbox
 * events, webhook deliveries, inbound mail, contacts with their properties and subscriptions.
 * The address is given normalized (`subjectAddress`); another team's rows are never reached.
 */
export class DataSubjectStore extends Context.Tag("@poststack/application/DataSubjectStore")<
  DataSubjectStore,
  {
    readonly exportSubject: (
      teamId: TeamId,
      address: string
    ) => Effect.Effect<SubjectArchive, StoreUnavailable>
    /**
     * Deletes up to `batch` rows of `stage` naming the address, looking only past `cursor` (a row
     * id) where the stage scans; one short transaction. An email naming the address goes whole,
     * with its deliveries, events and attachments. Suppressions are never touched.
     */
    readonly eraseStep: (
      teamId: TeamId,
      address: string,
      stage: ErasureStage,
      cursor: number,
      batch: number
    ) => Effect.Effect<ErasureStep, StoreUnavailable>
  }
>() {}
