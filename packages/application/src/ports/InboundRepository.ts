import type { DomainId, InboundAttachment, InboundEmail, TeamId } from "@poststack/domain"
import { Context, type Effect, type Option } from "effect"
import type { StoreUnavailable } from "./StoreUnavailable.js"

/** Why our MX takes mail for a host: a customer domain with inbound on, or a verified domain's bounce host. */
export interface MailRoute {
  readonly kind: "inbound" | "bounce"
  readonly teamId: TeamId
  readonly domainId: DomainId
  readonly domainName: string
}

/** One received message for one recipient (the domain's `InboundEmail`), by the name the port has used. */
export type InboundEmailRecord = InboundEmail
export type InboundAttachmentRecord = InboundAttachment

export type NewInboundEmail = Omit<InboundEmailRecord, "id" | "createdAt">

export interface NewInboundAttachment {
  readonly filename: string
  readonly contentType: string
  readonly size: number
  readonly blobKey: string
}

/** Received mail, always within one team. */
export class InboundRepository extends Context.Tag("@poststack/application/InboundRepository")<
  InboundRepository,
  {
    /** Why we take mail for this host, if we do. */
    readonly route: (host: string) => Effect.Effect<Option.Option<MailRoute>, StoreUnavailable>
    /** Stores one row per recipient, their attachments and their outbox events in one transaction. */
    readonly store: (
      emails: ReadonlyArray<NewInboundEmail>,
      attachments: ReadonlyArray<NewInboundAttachment>
    ) => Effect.Effect<ReadonlyArray<number>, StoreUnavailable>
    /** Newest first; `domain` filters by domain name. */
    /** Newest first; `domain` narrows to one domain by name, `domainId` by id (both may apply). */
    readonly list: (
      teamId: TeamId,
      domain: { readonly name: string | null; readonly domainId: number | null },
      page: number,
      perPage: number
    ) => Effect.Effect<
      { readonly emails: ReadonlyArray<InboundEmailRecord>; readonly total: number },
      StoreUnavailable
    >
    readonly get: (
      teamId: TeamId,
      id: number
    ) => Effect.Effect<Option.Option<InboundEmailRecord>, StoreUnavailable>
    readonly attachments: (
      teamId: TeamId,
      id: number
    ) => Effect.Effect<ReadonlyArray<InboundAttachmentRecord>, StoreUnavailable>
    /** How many attachments each of these rows of the team has; a row with none (or not the team's) is absent. */
    readonly attachmentCounts: (
      teamId: TeamId,
      ids: ReadonlyArray<number>
    ) => Effect.Effect<ReadonlyMap<number, number>, StoreUnavailable>
    /** Deletes the row; returns the blob keys no other row refers to any more. */
    readonly delete: (
      teamId: TeamId,
      id: number
    ) => Effect.Effect<Option.Option<ReadonlyArray<string>>, StoreUnavailable>
  }
>() {}
