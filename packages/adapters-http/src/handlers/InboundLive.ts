import { HttpApiBuilder, HttpServerResponse } from "@effect/platform"
import {
  DeleteInbound,
  DraftInboundReply,
  ForwardInbound,
  GetInboundAttachment,
  type InboundEmailRecord,
  ListInbound,
  ListInboundAttachments,
  ReadInbound,
  ReplyToInbound,
  type SendResult
} from "@poststack/application"
import { storableText, strippedReply, ValidationFailed } from "@poststack/domain"
import { Effect } from "effect"
import {
  Api,
  CurrentApiKey,
  CurrentPrincipal,
  InboundAttachmentView,
  InboundEmailView
} from "@poststack/contract"
import { listPage } from "./listPage.js"

const list = (value: string | ReadonlyArray<string> | undefined): ReadonlyArray<string> =>
  value === undefined ? [] : typeof value === "string" ? [value] : value

const toView = (e: InboundEmailRecord, attachmentCount: number) =>
  InboundEmailView.make(
    {
      id: e.id,
      domainId: e.domainId,
      fromAddress: e.fromAddress,
      fromName: e.fromName,
      toAddress: e.toAddress,
      toAddresses: e.toAddresses,
      ccAddresses: e.ccAddresses,
      messageId: e.messageId,
      subject: e.subject,
      htmlBody: e.htmlBody,
      textBody: e.textBody,
      headers: e.headers,
      createdAt: e.createdAt,
      mailboxHash: e.mailboxHash,
      spamScore: e.spamScore,
      spamVerdict: e.spamVerdict,
      // Worked out on read (one pass over the text) rather than stored: a copy of every body that
      // quotes nothing would double the text kept, and old mail reads with today's rules.
      strippedReply: strippedReply(e.textBody),
      authentication: e.authentication,
      envelope: e.envelope,
      attachmentCount
    },
    { disableValidation: true }
  )

const sent = (result: SendResult) => ({
  id: result.id,
  ...(result.replayed ? { replayed: true as const } : {}),
  ...(result.testMode ? { test_mode: true as const } : {})
})

/**
 * `Content-Disposition` for a download named `name`: a quoted ASCII `filename` (each other
 * character `_`) and, when that is not the name itself, the exact name as RFC 6266's UTF-8
 * `filename*`. A header may carry only Latin-1, so `文档.txt` as it stands would fail the answer.
 */
export const attachmentDisposition = (name: string): string => {
  const ascii = name.replace(/[^\x20-\x7e]|["\\]/g, "_")
  if (ascii === name) return `attachment; filename="${ascii}"`
  const exact = encodeURIComponent(storableText(name)).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`
  )
  return `attachment; filename="${ascii}"; filename*=UTF-8''${exact}`
}

export const InboundLive = HttpApiBuilder.group(Api, "inbound", (handlers) =>
  handlers
    .handle("list", ({ urlParams }) =>
      Effect.gen(function* () {
        const caller = yield* CurrentPrincipal
        const { emails, total, attachmentCounts } = yield* ListInbound(
          caller,
          urlParams.domain ?? null,
          urlParams.page,
          urlParams.perPage
        )
        return listPage(
          emails.map((e) => toView(e, attachmentCounts.get(e.id) ?? 0)),
          urlParams,
          total
        )
      })
    )
    .handle("get", ({ path }) =>
      Effect.flatMap(CurrentPrincipal, (caller) => ReadInbound(caller, path.id)).pipe(
        Effect.map(({ email, attachmentCount }) => ({ inboundEmail: toView(email, attachmentCount) }))
      )
    )
    .handle("delete", ({ path }) =>
      Effect.flatMap(CurrentPrincipal, (caller) => DeleteInbound(caller, path.id)).pipe(
        Effect.as({ success: true as const, deleted: true as const })
      )
    )
    .handle("attachments", ({ path }) =>
      Effect.flatMap(CurrentPrincipal, (caller) => ListInboundAttachments(caller, path.id)).pipe(
        Effect.map((attachments) => ({
          attachments: attachments.map((a) =>
            InboundAttachmentView.make(
              {
                id: a.id,
                filename: a.filename,
                contentType: a.contentType,
                size: a.size,
                createdAt: a.createdAt
              },
              { disableValidation: true }
            )
          )
        }))
      )
    )
    .handle("attachment", ({ path }) =>
      Effect.flatMap(CurrentPrincipal, (caller) =>
        GetInboundAttachment(caller, path.id, path.attachmentId)
      ).pipe(
        Effect.map(({ attachment, bytes }) =>
          HttpServerResponse.uint8Array(bytes, {
            contentType: /^[\w.+-]+\/[\w.+-]+$/.test(attachment.contentType)
              ? attachment.contentType
              : "application/octet-stream",
            headers: {
              "content-disposition": attachmentDisposition(attachment.filename),
              "x-content-type-options": "nosniff",
              // The sender chose the bytes and the type: were a browser ever to show the file
              // rather than save it, it runs nothing and loads nothing, on no origin of ours.
              "content-security-policy": "sandbox; default-src 'none'"
            }
          })
        )
      )
    )
    .handle("draftReply", ({ path, payload }) =>
      Effect.flatMap(CurrentPrincipal, (caller) =>
        DraftInboundReply(caller, path.id, payload?.tone ?? "friendly")
      )
    )
    .handle("reply", ({ path, payload }) =>
      Effect.flatMap(CurrentApiKey, (caller) =>
        ReplyToInbound(caller, path.id, {
          from: payload.from,
          html: payload.html ?? null,
          text: payload.text ?? null,
          cc: list(payload.cc),
          bcc: list(payload.bcc)
        })
      ).pipe(Effect.map(sent))
    )
    .handle("forward", ({ path, payload }) =>
      Effect.gen(function* () {
        const caller = yield* CurrentApiKey
        const to = list(payload.to)
        if (
          to.length === 0 ||
          to.length > 50 ||
          list(payload.cc).length > 50 ||
          list(payload.bcc).length > 50
        ) {
          return yield* new ValidationFailed({
            message: "to must name 1 to 50 recipients; cc and bcc at most 50 each"
          })
        }
        return sent(
          yield* ForwardInbound(caller, path.id, {
            from: payload.from,
            to,
            cc: list(payload.cc),
            bcc: list(payload.bcc),
            message: payload.message ?? null
          })
        )
      })
    )
)
