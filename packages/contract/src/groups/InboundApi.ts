import { HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "@effect/platform"
import { Schema } from "effect"
import {
  DailyLimitJson,
  ForbiddenJson,
  MonthlyLimitJson,
  NotFoundJson,
  SendLimitJson,
  UnprocessableJson
} from "../errors.js"
import { FullAccess } from "../middleware/Authentication.js"
import { Success } from "./common.js"
import { Pagination } from "./DomainsApi.js"
import { SendEmailResponse } from "./EmailsApi.js"
import { BigIdParam, pageFields } from "./params.js"

const InboundAddress = Schema.Struct({ address: Schema.String, name: Schema.NullOr(Schema.String) })

/** A received message for one recipient, as the SDK reads it, plus the sender's authentication results. */
export class InboundEmailView extends Schema.Class<InboundEmailView>("InboundEmail")({
  id: Schema.Int,
  domainId: Schema.NullOr(Schema.Int),
  fromAddress: Schema.String,
  fromName: Schema.NullOr(Schema.String),
  toAddress: Schema.String,
  toAddresses: Schema.NullOr(Schema.Array(InboundAddress)),
  ccAddresses: Schema.NullOr(Schema.Array(InboundAddress)),
  messageId: Schema.NullOr(Schema.String),
  subject: Schema.NullOr(Schema.String),
  htmlBody: Schema.NullOr(Schema.String),
  textBody: Schema.NullOr(Schema.String),
  headers: Schema.NullOr(Schema.Record({ key: Schema.String, value: Schema.String })),
  createdAt: Schema.Date,
  mailboxHash: Schema.NullOr(Schema.String),
  spamScore: Schema.NullOr(Schema.Number),
  spamVerdict: Schema.NullOr(Schema.Literal("spam", "clean")),
  strippedReply: Schema.NullOr(Schema.String),
  authentication: Schema.Struct({ spf: Schema.String, dkim: Schema.String, dmarc: Schema.String }),
  /** The SMTP envelope (MAIL FROM, and the RCPT TO addresses of this team); null for mail received before it was kept. */
  envelope: Schema.NullOr(Schema.Struct({ mailFrom: Schema.String, rcptTo: Schema.Array(Schema.String) })),
  /** How many attachments the message has (listed at `/inbound/:id/attachments`). */
  attachmentCount: Schema.Int
}) {}

export class InboundAttachmentView extends Schema.Class<InboundAttachmentView>("InboundAttachment")({
  id: Schema.Int,
  filename: Schema.String,
  contentType: Schema.String,
  size: Schema.Int,
  createdAt: Schema.Date
}) {}

const idPath = Schema.Struct({ id: BigIdParam("an inbound email") })
const Addresses = Schema.Union(Schema.String, Schema.Array(Schema.String))

export const ReplyBody = Schema.Struct({
  from: Schema.String.pipe(Schema.maxLength(500)),
  html: Schema.optional(Schema.String),
  text: Schema.optional(Schema.String),
  cc: Schema.optional(Addresses),
  bcc: Schema.optional(Addresses)
})

export const ForwardBody = Schema.Struct({
  from: Schema.String.pipe(Schema.maxLength(500)),
  to: Addresses,
  cc: Schema.optional(Addresses),
  bcc: Schema.optional(Addresses),
  message: Schema.optional(Schema.String)
})

const DraftReply = Schema.Struct({
  inbound: Schema.Struct({
    id: Schema.Int,
    from: Schema.String,
    to: Schema.String,
    subject: Schema.NullOr(Schema.String),
    received_at: Schema.String
  }),
  suggested_from: Schema.String,
  suggested_subject: Schema.String,
  salutation: Schema.String,
  body_placeholder: Schema.String,
  quoted_html: Schema.String,
  quoted_text: Schema.String,
  threading: Schema.Struct({
    in_reply_to: Schema.NullOr(Schema.String),
    /** As the References header carries them: message ids separated by spaces. */
    references: Schema.String
  }),
  suggested_html: Schema.String,
  suggested_text: Schema.String,
  signs_automatically: Schema.Boolean
})

/** `/inbound`: mail received for the team's domains, and replies or forwards of it. */
export class InboundApi extends HttpApiGroup.make("inbound")
  .add(
    HttpApiEndpoint.get("list", "/inbound")
      .setUrlParams(
        Schema.Struct({
          ...pageFields,
          /** A domain's name, compared exactly; one of no domain of the team is an empty page. */
          domain: Schema.optional(Schema.String.pipe(Schema.maxLength(253)))
        })
      )
      .addSuccess(Schema.Struct({ data: Schema.Array(InboundEmailView), meta: Pagination }))
  )
  .add(
    HttpApiEndpoint.get("get", "/inbound/:id")
      .setPath(idPath)
      .addSuccess(Schema.Struct({ inboundEmail: InboundEmailView }))
      .addError(NotFoundJson)
  )
  .add(
    HttpApiEndpoint.del("delete", "/inbound/:id").setPath(idPath).addSuccess(Success).addError(NotFoundJson)
  )
  .add(
    HttpApiEndpoint.get("attachments", "/inbound/:id/attachments")
      .setPath(idPath)
      .addSuccess(Schema.Struct({ attachments: Schema.Array(InboundAttachmentView) }))
      .addError(NotFoundJson)
  )
  .add(
    HttpApiEndpoint.get("attachment", "/inbound/:id/attachments/:attachmentId")
      .setPath(
        Schema.Struct({ id: BigIdParam("an inbound email"), attachmentId: BigIdParam("an attachment") })
      )
      .addSuccess(HttpApiSchema.Uint8Array({ contentType: "application/octet-stream" }))
      .addError(NotFoundJson)
  )
  .add(
    HttpApiEndpoint.post("draftReply", "/inbound/:id/draft-reply")
      .setPath(idPath)
      // An empty body (no JSON at all) asks for the default tone, like `{}`.
      .setPayload(
        Schema.NullOr(
          Schema.Struct({ tone: Schema.optional(Schema.Literal("formal", "friendly", "casual")) })
        )
      )
      .addSuccess(DraftReply)
      .addError(NotFoundJson)
  )
  .add(
    HttpApiEndpoint.post("reply", "/inbound/:id/reply")
      .setPath(idPath)
      .setPayload(ReplyBody)
      .addSuccess(SendEmailResponse, { status: 202 })
      .addError(NotFoundJson)
      .addError(UnprocessableJson)
      .addError(MonthlyLimitJson)
      .addError(DailyLimitJson)
      .addError(SendLimitJson)
  )
  .add(
    HttpApiEndpoint.post("forward", "/inbound/:id/forward")
      .setPath(idPath)
      .setPayload(ForwardBody)
      .addSuccess(SendEmailResponse, { status: 202 })
      .addError(NotFoundJson)
      .addError(UnprocessableJson)
      .addError(MonthlyLimitJson)
      .addError(DailyLimitJson)
      .addError(SendLimitJson)
  )
  .addError(ForbiddenJson)
  .middleware(FullAccess)
  .annotate(OpenApi.Title, "Inbound") {}
