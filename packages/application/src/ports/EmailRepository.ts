import type {
  ApiKeyId,
  AttachmentInput,
  Domain,
  DomainId,
  EmailBodies,
  EmailEvent,
  EmailId,
  EmailProgress,
  EmailRecord,
  EmailStatus,
  PlacementRow,
  TeamId
} from "@poststack/domain"
import { Context, type Effect, type Option } from "effect"
import type { StoreUnavailable } from "./StoreUnavailable.js"

export interface NewRecipient {
  readonly address: string
  readonly kind: "to" | "cc" | "bcc"
}

export interface NewEmail {
  readonly teamId: TeamId
  readonly apiKeyId: ApiKeyId | null
  readonly domainId: DomainId
  readonly domainName: string
  readonly fromAddress: string
  readonly fromName: string | null
  readonly recipients: ReadonlyArray<NewRecipient>
  readonly replyTo: ReadonlyArray<string>
  readonly subject: string
  readonly html: string | null
  readonly text: string | null
  readonly headers: Readonly<Record<string, string>>
  readonly tags: ReadonlyArray<string>
  readonly attachments: ReadonlyArray<AttachmentInput>
  /** The submitted MIME message, delivered as is (SMTP relay); `null` when composed from the fields. */
  readonly rawMime: Uint8Array | null
  /** The message's own Message-ID (with angle brackets); `null` to mint one. */
  readonly messageId: string | null
  readonly testMode: boolean
  readonly unsubscribe: boolean
  readonly trackOpens: boolean
  readonly trackClicks: boolean
  readonly scheduledAt: Date | null
  readonly idempotencyKey: string | null
  /** What a retry under `idempotencyKey` is compared by; `null` when there is no key. */
  readonly requestHash: string | null
  /**
   * The product's own mail (a reset or invitation link), stored under the operator's team only so
   * the worker delivers it: no read of the team shows it, no webhook or channel hears of it, and
   * its bodies are wiped once its delivery settles. `false` for every team's own mail.
   */
  readonly system: boolean
  /**
   * The place held for it under the team's plan limits (`UsageMeter.admit`), released in the
   * commit that writes it; absent when no place was needed.
   */
  readonly quotaHold?: string | null
}

export type AcceptResult =
  | { readonly _tag: "Created"; readonly publicId: string }
  /** An email with the same idempotency key exists: nothing was written. */
  | { readonly _tag: "Existing"; readonly publicId: string; readonly requestHash: string | null }

export interface EmailFilter {
  /** Any of these stored statuses. */
  readonly statuses?: ReadonlyArray<EmailStatus>
  readonly domainId?: DomainId
  readonly from?: Date
  readonly to?: Date
  readonly recipient?: string
  readonly sender?: string
  readonly subject?: string
  readonly tag?: string
  /** The mailbox provider of the first `to` recipient (a name of `MAILBOX_PROVIDERS`). */
  readonly provider?: string
  /** An ISO 3166 alpha-2 country (upper case) any of the email's events came from. */
  readonly country?: string
  /** A device type (`mobile`, `desktop`...) any of the email's events came from. */
  readonly device?: string
}

/**
 * What a guarded lifecycle write (cancel, reschedule) found. The caller's rule is applied to the
 * email's progress as read under lock, so the answer holds against a worker's concurrent claim.
 */
export type LifecycleWrite =
  | { readonly _tag: "NotFound" }
  /** The rule refused the email as it stood; nothing was written. */
  | { readonly _tag: "Refused"; readonly progress: EmailProgress }
  | { readonly _tag: "Written" }

/** What the worker needs to build one email's messages. */
export interface EmailForDelivery {
  readonly record: EmailRecord
  readonly htmlBody: string | null
  readonly textBody: string | null
  readonly attachments: ReadonlyArray<AttachmentInput>
  /** The submitted MIME message to deliver instead of composing one. */
  readonly rawMime: Uint8Array | null
  readonly domainName: string
  readonly returnPathHost: string
  /** The dedicated address the domain is pinned to, to send from; `null` for the default. */
  readonly localAddress: string | null
  readonly trackOpens: boolean
  readonly trackClicks: boolean
  /** The domain's own host for tracking links once its CNAME to ours is verified; else `null` (the public URL). */
  readonly trackingDomain: string | null
  /** The sending domain's `tls_mode`: `enforced` mail goes over an encrypted session or not at all. */
  readonly tlsMode: Domain["tlsMode"]
  /**
   * The subscription topic (row id) the message was sent for (`emails.topic_id`, set by topic
   * sends): its unsubscribe link names the topic, so one-click leaves that topic only.
   */
  readonly topicId?: number | null
}

/** Emails and their recipients' deliveries, always within one team. */
export class EmailRepository extends Context.Tag("@poststack/application/EmailRepository")<
  EmailRepository,
  {
    /**
     * Stores the email, one delivery per recipient and the first events in one committed
     * transaction. A recipient on the team's suppression list at that moment gets a suppressed
     * delivery and a `suppressed` event naming the entry; the email's status is that of its
     * deliveries. Concurrent sends with the same idempotency key store one email.
     */
    readonly accept: (email: NewEmail) => Effect.Effect<AcceptResult, StoreUnavailable>
    /**
     * The team's email stored under this idempotency key (as `accept` compares keys), if any:
     * a retry is answered from it before anything else is spent on it.
     */
    readonly findByIdempotencyKey: (
      teamId: TeamId,
      key: string
    ) => Effect.Effect<
      Option.Option<{ readonly publicId: string; readonly requestHash: string | null }>,
      StoreUnavailable
    >
    /** Newest first. */
    readonly list: (
      teamId: TeamId,
      filter: EmailFilter,
      page: number,
      perPage: number
    ) => Effect.Effect<
      { readonly emails: ReadonlyArray<EmailRecord>; readonly total: number },
      StoreUnavailable
    >
    readonly get: (
      teamId: TeamId,
      publicId: string
    ) => Effect.Effect<Option.Option<EmailRecord & EmailBodies>, StoreUnavailable>
    readonly events: (
      teamId: TeamId,
      publicId: string
    ) => Effect.Effect<Option.Option<ReadonlyArray<EmailEvent>>, StoreUnavailable>
    /**
     * Cancels the email's waiting deliveries and the email itself if `allowed` holds for its
     * progress, read with the email and its deliveries locked: a worker that claimed a delivery
     * first makes this wait, then the rule sees the delivery started.
     */
    readonly cancel: (
      teamId: TeamId,
      publicId: string,
      allowed: (progress: EmailProgress) => boolean
    ) => Effect.Effect<LifecycleWrite, StoreUnavailable>
    /** The domain's deliveries that reached an outcome (or a deferral) since `since`, newest first. */
    readonly placementRows: (
      domainId: DomainId,
      since: Date
    ) => Effect.Effect<ReadonlyArray<PlacementRow>, StoreUnavailable>
    /** The emails as the worker sends them, by id, in one read; an email that is gone is left out. */
    readonly loadForDelivery: (
      emailIds: ReadonlyArray<EmailId>
    ) => Effect.Effect<ReadonlyMap<EmailId, EmailForDelivery>, StoreUnavailable>
    /** Moves the email's scheduled deliveries to `at` if `allowed` holds, read under lock as for `cancel`. */
    readonly reschedule: (
      teamId: TeamId,
      publicId: string,
      at: Date,
      allowed: (progress: EmailProgress) => boolean
    ) => Effect.Effect<LifecycleWrite, StoreUnavailable>
  }
>() {}
