import { HttpApiBuilder } from "@effect/platform"
import {
  CancelEmail,
  ContactRepository,
  Digest,
  DomainRepository,
  EmailRepository,
  SubscriptionRepository,
  TemplateEngine,
  TemplateRepository,
  UsageMeter,
  type EmailFilter,
  GetEmail,
  GetEmailEvents,
  type IdempotencyKey,
  ListEmails,
  RenderTemplateForSend,
  RescheduleEmail,
  SendEmail
} from "@poststack/application"
import {
  type ApiKey,
  DomainId,
  type EmailEvent,
  type EmailRecord,
  knownProviderOf,
  publicEmailStatus,
  publicEvent,
  type SendRequest,
  storedStatusesFor,
  ValidationFailed
} from "@poststack/domain"
import { Effect, Either } from "effect"
import {
  Api,
  answerFor,
  Authentication,
  CurrentApiKey,
  CurrentPrincipal,
  EmailDetailView,
  EmailEventView,
  EmailView,
  type SendEmailBody
} from "@poststack/contract"
import { builtFrom } from "../BuiltFrom.js"
import { listPage } from "./listPage.js"

const list = (value: string | ReadonlyArray<string> | undefined): ReadonlyArray<string> =>
  value === undefined ? [] : typeof value === "string" ? [value] : value

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/

/** The wire body as the use case's request; base64 attachments are decoded strictly. */
const toSendRequest = Effect.fnUntraced(function* (caller: ApiKey, body: typeof SendEmailBody.Type) {
  // Only a send naming a template reads it: the plain send path does no extra work.
  const template =
    body.templateId === undefined
      ? null
      : yield* RenderTemplateForSend(caller, body.templateId, body.variables, list(body.to)[0])
  const attachments = []
  for (const a of body.attachments ?? []) {
    const compact = a.content.replace(/\s+/g, "")
    if (compact.length % 4 !== 0 || !BASE64.test(compact)) {
      return yield* new ValidationFailed({ message: `attachment ${a.filename}: content must be base64` })
    }
    attachments.push({
      filename: a.filename,
      content: new Uint8Array(Buffer.from(compact, "base64")),
      contentType: a.contentType ?? null,
      contentId: a.contentId ?? null
    })
  }
  return {
    from: body.from,
    to: list(body.to),
    cc: list(body.cc),
    bcc: list(body.bcc),
    replyTo: list(body.replyTo),
    subject: body.subject ?? template?.subject ?? "",
    html: body.html ?? template?.html ?? null,
    text: body.text ?? template?.text ?? null,
    headers: body.headers ?? {},
    tags: body.tags ?? [],
    attachments,
    scheduledAt: body.scheduledAt ?? null,
    unsubscribe: body.unsubscribe ?? false,
    tracking: { opens: body.tracking?.opens ?? null, clicks: body.tracking?.clicks ?? null }
  } satisfies SendRequest
})

const idempotencyOf = (
  body: typeof SendEmailBody.Type,
  header: string | undefined,
  index?: number
): IdempotencyKey | null =>
  body.idempotencyKey !== undefined
    ? { source: "body", key: body.idempotencyKey }
    : header !== undefined && header !== ""
      ? { source: "header", key: index === undefined ? header : `${header}#${index}` }
      : null

const sendOne = (
  caller: ApiKey,
  body: typeof SendEmailBody.Type,
  header: string | undefined,
  index?: number
) =>
  Effect.flatMap(toSendRequest(caller, body), (request) =>
    SendEmail(caller, request, idempotencyOf(body, header, index))
  ).pipe(
    Effect.map((result) => ({
      id: result.id,
      ...(result.replayed ? { replayed: true as const } : {}),
      ...(result.testMode ? { test_mode: true as const } : {})
    }))
  )

export const toEmailView = (email: EmailRecord): EmailView =>
  EmailView.make(
    {
      id: email.id,
      publicId: email.publicId,
      fromAddress: email.fromAddress,
      fromName: email.fromName,
      toAddresses: email.toAddresses,
      ccAddresses: email.ccAddresses,
      bccAddresses: email.bccAddresses,
      replyTo: email.replyTo,
      subject: email.subject,
      headers: email.headers,
      tags: email.tags,
      status: publicEmailStatus(email.status),
      testMode: email.testMode,
      recipientProvider: recipientProvider(email),
      unsubscribeEnabled: email.unsubscribeEnabled,
      spamScore: null,
      spamWarnings: null,
      messageId: email.messageId,
      scheduledAt: email.scheduledAt,
      sentAt: email.sentAt,
      createdAt: email.createdAt,
      teamId: email.teamId,
      domainId: email.domainId,
      from: email.fromName === null ? email.fromAddress : `${email.fromName} <${email.fromAddress}>`,
      to: email.toAddresses
    },
    { disableValidation: true }
  )

/** The mailbox provider of the email's first recipient (`gmail`...), `null` for any other domain. */
const recipientProvider = (email: EmailRecord): string | null => {
  const first = email.toAddresses[0]
  return first === undefined ? null : knownProviderOf(first.slice(first.lastIndexOf("@") + 1))
}

export const toEventView = (event: EmailEvent) =>
  EmailEventView.make(
    {
      id: event.id,
      emailId: event.emailId,
      ...publicEvent(event.eventType, event.metadata),
      geoCountry: event.location?.country ?? null,
      geoRegion: event.location?.region ?? null,
      geoCity: event.location?.city ?? null,
      uaClientName: event.reader?.clientName ?? null,
      uaClientType: event.reader?.clientType ?? null,
      uaOs: event.reader?.os ?? null,
      uaDeviceType: event.reader?.deviceType ?? null,
      isPrefetch: event.reader?.isPrefetch ?? false,
      createdAt: event.createdAt
    },
    { disableValidation: true }
  )

const EmailsGroup = HttpApiBuilder.group(Api, "emails", (handlers) =>
  handlers
    .handle("send", ({ payload, headers }) =>
      Effect.flatMap(CurrentApiKey, (caller) => sendOne(caller, payload, headers["idempotency-key"]))
    )
    .handle("sendAlias", ({ payload, headers }) =>
      Effect.flatMap(CurrentApiKey, (caller) => sendOne(caller, payload, headers["idempotency-key"]))
    )
    .handle("batch", ({ payload, headers }) =>
      Effect.gen(function* () {
        if (payload.emails.length === 0)
          return yield* new ValidationFailed({ message: "emails must not be empty" })
        if (payload.emails.length > 100)
          return yield* new ValidationFailed({ message: "Batch size exceeds limit" })
        const caller = yield* CurrentApiKey
        // All at once, so group commit writes them together: one after the other, a batch of 100
        // waited for 100 commits.
        const results = yield* Effect.forEach(
          payload.emails,
          (body, index) => Effect.either(sendOne(caller, body, headers["idempotency-key"], index)),
          { concurrency: "unbounded" }
        )
        return {
          data: results.map((r) =>
            Either.isRight(r) ? r.right : { error: r.left.message, code: answerFor(r.left).code }
          )
        }
      })
    )
    .handle("list", ({ urlParams }) =>
      Effect.gen(function* () {
        const caller = yield* CurrentPrincipal
        const filter: { -readonly [K in keyof EmailFilter]: EmailFilter[K] } = {}
        if (urlParams.status !== undefined) filter.statuses = storedStatusesFor(urlParams.status)
        const domainId = urlParams.domainId ?? urlParams.domain
        if (domainId !== undefined) filter.domainId = DomainId.make(domainId)
        if (urlParams.dateFrom !== undefined) filter.from = new Date(urlParams.dateFrom)
        if (urlParams.dateTo !== undefined) {
          const to = new Date(urlParams.dateTo)
          // A bare date means the whole of that day.
          filter.to = /^\d{4}-\d{2}-\d{2}$/.test(urlParams.dateTo) ? new Date(to.getTime() + 86_400_000) : to
        }
        if (urlParams.to !== undefined) filter.recipient = urlParams.to
        if (urlParams.from !== undefined) filter.sender = urlParams.from
        if (urlParams.subject !== undefined) filter.subject = urlParams.subject
        if (urlParams.tag !== undefined) filter.tag = urlParams.tag
        if (urlParams.provider !== undefined) filter.provider = urlParams.provider.toLowerCase()
        if (urlParams.country !== undefined) filter.country = urlParams.country.toUpperCase()
        if (urlParams.device !== undefined) filter.device = urlParams.device
        const { emails, total } = yield* ListEmails(caller, filter, urlParams.page, urlParams.perPage)
        return listPage(emails.map(toEmailView), urlParams, total)
      })
    )
    .handle("get", ({ path }) =>
      Effect.flatMap(CurrentPrincipal, (caller) => GetEmail(caller, path.id)).pipe(
        Effect.map((email) => ({
          email: EmailDetailView.make(
            {
              ...toEmailView(email),
              htmlBody: email.htmlBody,
              textBody: email.textBody,
              events: email.events.map(toEventView)
            },
            { disableValidation: true }
          )
        }))
      )
    )
    .handle("reschedule", ({ path, payload }) =>
      Effect.flatMap(CurrentPrincipal, (caller) =>
        RescheduleEmail(caller, path.id, payload.scheduledAt)
      ).pipe(Effect.as({ success: true as const }))
    )
    .handle("cancel", ({ path }) =>
      Effect.flatMap(CurrentPrincipal, (caller) => CancelEmail(caller, path.id)).pipe(
        Effect.as({ success: true as const })
      )
    )
    .handle("events", ({ path }) =>
      Effect.flatMap(CurrentPrincipal, (caller) => GetEmailEvents(caller, path.id)).pipe(
        Effect.map((events) => ({ events: events.map(toEventView) }))
      )
    )
)

/**
 * The emails routes (`POST /emails` is the API's busiest) answer from the services they use
 * alone: each request merges the group's context into its own (see `builtFrom`).
 */
export const EmailsLive = builtFrom(
  EmailsGroup,
  Authentication,
  ContactRepository,
  Digest,
  DomainRepository,
  EmailRepository,
  SubscriptionRepository,
  TemplateEngine,
  TemplateRepository,
  UsageMeter
)
