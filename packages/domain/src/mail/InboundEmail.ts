import { Schema } from "effect"
import { DomainId } from "../domains/DomainRef.js"
import { TeamId } from "../Team.js"
import { SenderAuthentication } from "./Inbound.js"
import { InboundSpamVerdict } from "./InboundSpam.js"

/** A received message's row: one per recipient of the message in the team. */
export const InboundEmailId = Schema.Int.pipe(Schema.positive(), Schema.brand("InboundEmailId"))
export type InboundEmailId = typeof InboundEmailId.Type

export const InboundAttachmentId = Schema.Int.pipe(Schema.positive(), Schema.brand("InboundAttachmentId"))
export type InboundAttachmentId = typeof InboundAttachmentId.Type

export const InboundAddress = Schema.Struct({ address: Schema.String, name: Schema.NullOr(Schema.String) })
export type InboundAddress = typeof InboundAddress.Type

/**
 * The SMTP envelope of a received message: the MAIL FROM reverse path (empty for the null sender
 * of bounces) and the RCPT TO addresses that reached this team (another team's recipients of the
 * same message are not theirs to see).
 */
export const InboundEnvelope = Schema.Struct({ mailFrom: Schema.String, rcptTo: Schema.Array(Schema.String) })
export type InboundEnvelope = typeof InboundEnvelope.Type

const Text = Schema.NullOr(Schema.String)

/** One received message for one recipient, as stored and as the API shows it. */
export class InboundEmail extends Schema.Class<InboundEmail>("InboundEmail")({
  id: InboundEmailId,
  teamId: TeamId,
  domainId: Schema.NullOr(DomainId),
  fromAddress: Schema.String,
  fromName: Text,
  toAddress: Schema.String,
  toAddresses: Schema.Array(InboundAddress),
  ccAddresses: Schema.Array(InboundAddress),
  messageId: Text,
  inReplyTo: Text,
  references: Schema.Array(Schema.String),
  subject: Text,
  htmlBody: Text,
  textBody: Text,
  headers: Schema.Record({ key: Schema.String, value: Schema.String }),
  mailboxHash: Text,
  authentication: SenderAuthentication,
  /** The spam filter's points and verdict; null when no filter scored it (none configured, or no answer in time). */
  spamScore: Schema.NullOr(Schema.Number),
  spamVerdict: Schema.NullOr(InboundSpamVerdict),
  rawKey: Schema.String,
  /** The SMTP envelope; null for mail received before it was kept. */
  envelope: Schema.NullOr(InboundEnvelope),
  createdAt: Schema.DateFromSelf
}) {}

/** A part of a received message kept as a file (its bytes are in the blob store under `blobKey`). */
export class InboundAttachment extends Schema.Class<InboundAttachment>("InboundAttachment")({
  id: InboundAttachmentId,
  filename: Schema.String,
  contentType: Schema.String,
  size: Schema.Int,
  blobKey: Schema.String,
  createdAt: Schema.DateFromSelf
}) {}
