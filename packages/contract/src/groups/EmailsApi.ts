import { HttpApiEndpoint, HttpApiGroup, OpenApi } from "@effect/platform"
import { PublicEmailEventType, PublicEmailStatus } from "@poststack/domain"
import { Schema } from "effect"
import {
  DailyLimitJson,
  ForbiddenJson,
  MonthlyLimitJson,
  NotFoundJson,
  SendLimitJson,
  UnprocessableJson
} from "../errors.js"
import { Authentication } from "../middleware/Authentication.js"
import { Pagination } from "./DomainsApi.js"
import { IdParam, InputDate, isInputDate, pageFields } from "./params.js"

const DomainIdParam = IdParam("a domain")

const Addresses = Schema.Union(Schema.String, Schema.Array(Schema.String))

export const AttachmentBody = Schema.Struct({
  filename: Schema.String.pipe(Schema.maxLength(255)),
  /** Base64 of the file's bytes. */
  content: Schema.String,
  contentType: Schema.optional(Schema.String).pipe(Schema.fromKey("content_type")),
  contentId: Schema.optional(Schema.String.pipe(Schema.pattern(/^[^<>\s]{1,200}$/))).pipe(
    Schema.fromKey("content_id")
  )
})

export const SendEmailBody = Schema.Struct({
  from: Schema.String.pipe(Schema.maxLength(500)),
  to: Addresses,
  cc: Schema.optional(Addresses),
  bcc: Schema.optional(Addresses),
  replyTo: Schema.optional(Addresses).pipe(Schema.fromKey("reply_to")),
  subject: Schema.optional(Schema.String),
  html: Schema.optional(Schema.String),
  text: Schema.optional(Schema.String),
  headers: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.String })),
  tags: Schema.optional(Schema.Array(Schema.String)),
  attachments: Schema.optional(Schema.Array(AttachmentBody)),
  idempotencyKey: Schema.optional(Schema.String.pipe(Schema.minLength(1), Schema.maxLength(256))).pipe(
    Schema.fromKey("idempotency_key")
  ),
  scheduledAt: Schema.optional(InputDate).pipe(Schema.fromKey("scheduled_at")),
  templateId: Schema.optional(Schema.String).pipe(Schema.fromKey("template_id")),
  variables: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.Unknown })),
  unsubscribe: Schema.optional(Schema.Boolean),
  signature: Schema.optional(Schema.Literal("auto", "none")),
  tracking: Schema.optional(
    Schema.Struct({ opens: Schema.optional(Schema.Boolean), clicks: Schema.optional(Schema.Boolean) })
  ),
  idempotencyWindowHours: Schema.optional(Schema.Number).pipe(Schema.fromKey("idempotency_window_hours"))
})

export const SendEmailResponse = Schema.Struct({
  id: Schema.String,
  replayed: Schema.optional(Schema.Literal(true)),
  test_mode: Schema.optional(Schema.Literal(true))
})

export class EmailEventView extends Schema.Class<EmailEventView>("EmailEvent")({
  id: Schema.Int,
  emailId: Schema.Int,
  eventType: PublicEmailEventType,
  metadata: Schema.NullOr(Schema.Record({ key: Schema.String, value: Schema.Unknown })),
  geoCountry: Schema.NullOr(Schema.String),
  geoRegion: Schema.NullOr(Schema.String),
  geoCity: Schema.NullOr(Schema.String),
  uaClientName: Schema.NullOr(Schema.String),
  uaClientType: Schema.NullOr(Schema.String),
  uaOs: Schema.NullOr(Schema.String),
  uaDeviceType: Schema.NullOr(Schema.String),
  isPrefetch: Schema.Boolean,
  createdAt: Schema.Date
}) {}

const emailFields = {
  id: Schema.Int,
  publicId: Schema.String,
  fromAddress: Schema.String,
  fromName: Schema.NullOr(Schema.String),
  toAddresses: Schema.Array(Schema.String),
  ccAddresses: Schema.Array(Schema.String),
  bccAddresses: Schema.Array(Schema.String),
  replyTo: Schema.Array(Schema.String),
  subject: Schema.String,
  headers: Schema.Record({ key: Schema.String, value: Schema.String }),
  tags: Schema.Array(Schema.String),
  status: PublicEmailStatus,
  testMode: Schema.Boolean,
  recipientProvider: Schema.NullOr(Schema.String),
  unsubscribeEnabled: Schema.Boolean,
  spamScore: Schema.NullOr(Schema.String),
  spamWarnings: Schema.NullOr(Schema.Array(Schema.Unknown)),
  messageId: Schema.String,
  scheduledAt: Schema.NullOr(Schema.Date),
  sentAt: Schema.NullOr(Schema.Date),
  createdAt: Schema.Date,
  teamId: Schema.Int,
  domainId: Schema.Int,
  /** Older SDKs read these two. */
  from: Schema.String,
  to: Schema.Array(Schema.String)
}

export class EmailView extends Schema.Class<EmailView>("Email")(emailFields) {}

export class EmailDetailView extends Schema.Class<EmailDetailView>("EmailDetail")({
  ...emailFields,
  htmlBody: Schema.NullOr(Schema.String),
  textBody: Schema.NullOr(Schema.String),
  events: Schema.Array(EmailEventView)
}) {}

const DateParam = Schema.String.pipe(
  Schema.filter(isInputDate, {
    message: () => "must be a date from 1970 to 9999 (YYYY-MM-DD or ISO 8601)"
  })
)

export const ListEmailsParams = Schema.Struct({
  ...pageFields,
  status: Schema.optional(PublicEmailStatus),
  domainId: Schema.optional(DomainIdParam).pipe(Schema.fromKey("domain_id")),
  domain: Schema.optional(DomainIdParam),
  dateFrom: Schema.optional(DateParam).pipe(Schema.fromKey("date_from")),
  dateTo: Schema.optional(DateParam).pipe(Schema.fromKey("date_to")),
  to: Schema.optional(Schema.String),
  from: Schema.optional(Schema.String),
  subject: Schema.optional(Schema.String),
  tag: Schema.optional(Schema.String),
  /** The first recipient's mailbox provider, as `recipientProvider` shows it (`gmail`...). */
  provider: Schema.optional(Schema.String),
  /** ISO 3166 alpha-2 country any of the email's opens or clicks came from. */
  country: Schema.optional(
    Schema.String.pipe(
      Schema.pattern(/^[A-Za-z]{2}$/, { message: () => "country must be an ISO 3166 alpha-2 code" })
    )
  ),
  /** Device type any of the email's opens or clicks came from (`mobile`, `desktop`, `tablet`...). */
  device: Schema.optional(Schema.String.pipe(Schema.maxLength(50)))
})

const idPath = Schema.Struct({ id: Schema.String })
const IdempotencyHeader = Schema.Struct({
  "idempotency-key": Schema.optional(Schema.String.pipe(Schema.maxLength(256)))
})
const Ok = Schema.Struct({ success: Schema.Literal(true) })

const send = <const Name extends string, const Path extends HttpApiEndpoint.PathSegment>(
  name: Name,
  path: Path
) =>
  HttpApiEndpoint.post(name, path)
    .setPayload(SendEmailBody)
    .setHeaders(IdempotencyHeader)
    .addSuccess(SendEmailResponse, { status: 202 })
    .addError(UnprocessableJson)
    .addError(MonthlyLimitJson)
    .addError(DailyLimitJson)
    .addError(SendLimitJson)

/** `/emails`: sending and reading mail; sending keys may use every route here. */
export class EmailsApi extends HttpApiGroup.make("emails")
  .add(send("sendAlias", "/emails/send"))
  .add(
    HttpApiEndpoint.post("batch", "/emails/batch")
      .setPayload(Schema.Struct({ emails: Schema.Array(SendEmailBody) }))
      .setHeaders(IdempotencyHeader)
      .addSuccess(
        Schema.Struct({
          data: Schema.Array(
            Schema.Union(SendEmailResponse, Schema.Struct({ error: Schema.String, code: Schema.String }))
          )
        }),
        { status: 202 }
      )
      .addError(UnprocessableJson)
  )
  .add(send("send", "/emails"))
  .add(
    HttpApiEndpoint.get("list", "/emails")
      .setUrlParams(ListEmailsParams)
      .addSuccess(Schema.Struct({ data: Schema.Array(EmailView), meta: Pagination }))
  )
  .add(
    HttpApiEndpoint.get("get", "/emails/:id")
      .setPath(idPath)
      .addSuccess(Schema.Struct({ email: EmailDetailView }))
      .addError(NotFoundJson)
  )
  .add(
    HttpApiEndpoint.patch("reschedule", "/emails/:id")
      .setPath(idPath)
      .setPayload(
        Schema.Struct({
          scheduledAt: InputDate.pipe(Schema.propertySignature, Schema.fromKey("scheduled_at"))
        })
      )
      .addSuccess(Ok)
      .addError(NotFoundJson)
      .addError(UnprocessableJson)
  )
  .add(
    HttpApiEndpoint.post("cancel", "/emails/:id/cancel")
      .setPath(idPath)
      .addSuccess(Ok)
      .addError(NotFoundJson)
      .addError(UnprocessableJson)
  )
  .add(
    HttpApiEndpoint.get("events", "/emails/:id/events")
      .setPath(idPath)
      .addSuccess(Schema.Struct({ events: Schema.Array(EmailEventView) }))
      .addError(NotFoundJson)
  )
  .addError(ForbiddenJson)
  .middleware(Authentication)
  .annotate(OpenApi.Title, "Emails") {}
