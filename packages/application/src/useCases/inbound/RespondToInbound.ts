import {
  type ApiKey,
  type AttachmentInput,
  forwardSubject,
  quoteText,
  plainSendRequest,
  replySubject
} from "@poststack/domain"
import { Effect, Option } from "effect"
import { BlobStore } from "../../ports/BlobStore.js"
import { InboundRepository } from "../../ports/InboundRepository.js"
import { SendEmail } from "../emails/SendEmail.js"
import { type Principal, viaApiKey } from "../Principal.js"
import { GetInbound } from "./GetInbound.js"

export interface ReplyInput {
  readonly from: string
  readonly html: string | null
  readonly text: string | null
  readonly cc: ReadonlyArray<string>
  readonly bcc: ReadonlyArray<string>
}

export interface ForwardInput {
  readonly from: string
  readonly to: ReadonlyArray<string>
  readonly cc: ReadonlyArray<string>
  readonly bcc: ReadonlyArray<string>
  readonly message: string | null
}

const escapeHtml = (text: string) =>
  text.replace(/[&<>"]/g, (c) => (c === "&" ? "&amp;" : c === "<" ? "&lt;" : c === ">" ? "&gt;" : "&quot;"))

/** Replies to the sender of a received message, threaded by In-Reply-To and References. */
export const ReplyToInbound = Effect.fn("ReplyToInbound")(function* (
  caller: ApiKey,
  id: number,
  input: ReplyInput
) {
  const inbound = yield* GetInbound(viaApiKey(caller), id)
  const threading: Record<string, string> =
    inbound.messageId === null
      ? {}
      : {
          "In-Reply-To": inbound.messageId,
          References: [...inbound.references, inbound.messageId].join(" ")
        }
  return yield* SendEmail(
    caller,
    plainSendRequest({
      from: input.from,
      to: [inbound.fromAddress],
      cc: input.cc,
      bcc: input.bcc,
      subject: replySubject(inbound.subject),
      html: input.html,
      text: input.text,
      headers: threading
    }),
    null
  )
})

/** Forwards a received message with its attachments and an optional note above it. */
export const ForwardInbound = Effect.fn("ForwardInbound")(function* (
  caller: ApiKey,
  id: number,
  input: ForwardInput
) {
  const inbound = yield* GetInbound(viaApiKey(caller), id)
  const stored = yield* Effect.flatMap(InboundRepository, (repo) => repo.attachments(caller.teamId, id))
  const blobs = yield* BlobStore
  const attachments: Array<AttachmentInput> = []
  for (const a of stored) {
    const bytes = yield* blobs.get(a.blobKey)
    if (Option.isSome(bytes)) {
      attachments.push({
        filename: a.filename,
        content: bytes.value,
        contentType: a.contentType,
        contentId: null
      })
    }
  }
  const from =
    inbound.fromName === null ? inbound.fromAddress : `${inbound.fromName} <${inbound.fromAddress}>`
  const header = [
    "---------- Forwarded message ---------",
    `From: ${from}`,
    `Date: ${inbound.createdAt.toUTCString()}`,
    `Subject: ${inbound.subject ?? ""}`,
    `To: ${inbound.toAddress}`
  ]
  const note = input.message ?? ""
  const text = `${note}${note === "" ? "" : "\n\n"}${header.join("\n")}\n\n${inbound.textBody ?? ""}`
  const html =
    inbound.htmlBody === null
      ? null
      : `${note === "" ? "" : `<p>${escapeHtml(note)}</p>`}<p>${header.map(escapeHtml).join("<br>")}</p>${inbound.htmlBody}`
  return yield* SendEmail(
    caller,
    plainSendRequest({
      from: input.from,
      to: input.to,
      cc: input.cc,
      bcc: input.bcc,
      subject: forwardSubject(inbound.subject),
      html,
      text,
      attachments
    }),
    null
  )
})

export type Tone = "formal" | "friendly" | "casual"

const SALUTATIONS: Record<Tone, (name: string) => string> = {
  formal: (name) => `Dear ${name},`,
  friendly: (name) => `Hi ${name},`,
  casual: (name) => `Hey ${name},`
}

/** A reply skeleton for a received message: salutation, quoted original and threading, nothing sent. */
export const DraftInboundReply = Effect.fn("DraftInboundReply")(function* (
  principal: Principal,
  id: number,
  tone: Tone
) {
  const inbound = yield* GetInbound(principal, id)
  const name = inbound.fromName ?? inbound.fromAddress.slice(0, inbound.fromAddress.indexOf("@"))
  const salutation = SALUTATIONS[tone](name)
  const quotedText = quoteText(inbound.textBody ?? "")
  const quotedHtml = `<blockquote>${inbound.htmlBody ?? escapeHtml(inbound.textBody ?? "")}</blockquote>`
  const placeholder = "[Write your reply here]"
  return {
    inbound: {
      id: inbound.id,
      from: inbound.fromAddress,
      to: inbound.toAddress,
      subject: inbound.subject,
      received_at: inbound.createdAt.toISOString()
    },
    suggested_from: inbound.toAddress,
    suggested_subject: replySubject(inbound.subject),
    salutation,
    body_placeholder: placeholder,
    quoted_html: quotedHtml,
    quoted_text: quotedText,
    threading: {
      in_reply_to: inbound.messageId,
      // The References header's value (space-separated ids), as the SDK types it: a string.
      references: (inbound.messageId === null
        ? inbound.references
        : [...inbound.references, inbound.messageId]
      ).join(" ")
    },
    suggested_html: `<p>${escapeHtml(salutation)}</p><p>${placeholder}</p>${quotedHtml}`,
    suggested_text: `${salutation}\n\n${placeholder}\n\n${quotedText}`,
    signs_automatically: false
  }
})
