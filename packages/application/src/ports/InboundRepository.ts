import type { DomainId, SenderAuthentication, TeamId } from "@poststack/domain"
import { Context, type Effect, type Option } from "effect"
import type { StoreUnavailable } from "./StoreUnavailable.js"

/** Why our MX takes mail for a host: a customer domain with inbound on, or a verified domain's bounce host. */
export interface MailRoute {
  readonly kind: "inbound" | "bounce"
  readonly teamId: TeamId
  readonly domainId: DomainId
  readonly domainName: string
}

export interface InboundAddress {
  readonly address: string
  readonly name: string | null
}

/** One received message for one recipient, as stored and as the API shows it. */
export interface InboundEmailRecord {
  readonly id: number
  readonly teamId: TeamId
  readonly domainId: DomainId | null
  readonly fromAddress: string
  readonly fromName: string | null
  readonly toAddress: string
  readonly toAddresses: ReadonlyArray<InboundAddress>
  readonly ccAddresses: ReadonlyArray<InboundAddress>
  readonly messageId: string | null
  readonly inReplyTo: string | null
  readonly references: ReadonlyArray<string>
  readonly subject: string | null
  readonly htmlBody: string | null
  readonly textBody: string | null
  readonly headers: Readonly<Record<string, string>>
  readonly mailboxHash: string | null
  readonly authentication: SenderAuthentication
  readonly rawKey: string
  /** The SMTP envelope; null for mail received before it was kept. */
  readonly envelope: InboundEnvelope | null
  readonly createdAt: Date
}

/**
 * The SMTP envelope of a received message: the MAIL FROM reverse path (empty for the null sender
 * of bounces) and the RCPT TO addresses that reached this team (another team's recipients of the
 * same message are not theirs to see).
 */
export interface InboundEnvelope {
  readonly mailFrom: string
  readonly rcptTo: ReadonlyArray<string>
}

export interface InboundAttachmentRecord {
  readonly id: number
  readonly filename: string
  readonly contentType: string
  readonly size: number
  readonly blobKey: string
  readonly createdAt: Date
}

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
    /** Deletes the row; returns the blob keys no other row refers to any more. */
    readonly delete: (
      teamId: TeamId,
      id: number
    ) => Effect.Effect<Option.Option<ReadonlyArray<string>>, StoreUnavailable>
  }
>() {}
