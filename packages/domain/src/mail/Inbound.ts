import { Schema } from "effect"
import { storableText } from "../Text.js"
import { readHeaders } from "./RawMessage.js"

export interface ParsedAddress {
  readonly address: string
  readonly name: string | null
}

export interface ParsedAttachment {
  readonly filename: string | null
  readonly contentType: string
  readonly contentId: string | null
  readonly content: Uint8Array
}

/** A received message as the MIME parser reads it; report parts (DSN, ARF) are among the attachments. */
export interface ParsedMessage {
  readonly from: ParsedAddress | null
  /** Every address of the From header (RFC 5322 allows several). */
  readonly fromAll: ReadonlyArray<ParsedAddress>
  /** The Sender header, when present. */
  readonly sender: ParsedAddress | null
  /** Every address of the Sender header (RFC 5322 allows one). */
  readonly senderAll: ReadonlyArray<ParsedAddress>
  readonly to: ReadonlyArray<ParsedAddress>
  readonly cc: ReadonlyArray<ParsedAddress>
  readonly subject: string | null
  readonly messageId: string | null
  readonly inReplyTo: string | null
  readonly references: ReadonlyArray<string>
  readonly date: Date | null
  readonly html: string | null
  readonly text: string | null
  readonly headers: Readonly<Record<string, string>>
  readonly attachments: ReadonlyArray<ParsedAttachment>
}

const storableAddress = (a: ParsedAddress): ParsedAddress => ({
  address: storableText(a.address),
  name: a.name === null ? null : storableText(a.name)
})
const storableOrNull = (text: string | null) => (text === null ? null : storableText(text))

/**
 * The message with every text field storable: NUL removed, lone surrogates replaced (see
 * `storableText`). Mail may carry either (a NUL byte, a `=00`, a UTF-16 part), and refusing it
 * would bounce or delay mail the recipient wants; the raw message keeps the original bytes.
 */
export const storableMessage = (parsed: ParsedMessage): ParsedMessage => ({
  ...parsed,
  from: parsed.from === null ? null : storableAddress(parsed.from),
  fromAll: parsed.fromAll.map(storableAddress),
  sender: parsed.sender === null ? null : storableAddress(parsed.sender),
  senderAll: parsed.senderAll.map(storableAddress),
  to: parsed.to.map(storableAddress),
  cc: parsed.cc.map(storableAddress),
  subject: storableOrNull(parsed.subject),
  messageId: storableOrNull(parsed.messageId),
  inReplyTo: storableOrNull(parsed.inReplyTo),
  references: parsed.references.map(storableText),
  html: storableOrNull(parsed.html),
  text: storableOrNull(parsed.text),
  headers: Object.fromEntries(
    Object.entries(parsed.headers).map(([name, value]) => [storableText(name), storableText(value)])
  ),
  attachments: parsed.attachments.map((a) => ({
    ...a,
    filename: storableOrNull(a.filename),
    contentType: storableText(a.contentType),
    contentId: storableOrNull(a.contentId)
  }))
})

/** SPF, DKIM and DMARC verdicts about the sender of a received message. */
export const SenderAuthentication = Schema.Struct({
  spf: Schema.String,
  dkim: Schema.String,
  dmarc: Schema.String
})
export type SenderAuthentication = typeof SenderAuthentication.Type

/** Bounds that keep one hostile message from costing the receiver unbounded time or memory. */
export const INBOUND_LIMITS = {
  headerBytes: 256 * 1024,
  headers: 1000,
  multipartParts: 200,
  nestingMarkers: 32
} as const

/** Refuses messages whose structure alone is abusive, before any parser sees them; a sentence, or undefined. */
export const structuralProblem = (raw: Uint8Array): string | undefined => {
  let headerBytes = raw.length
  for (let i = 0; i + 3 < raw.length; i++) {
    if (raw[i] === 0x0d && raw[i + 1] === 0x0a && raw[i + 2] === 0x0d && raw[i + 3] === 0x0a) {
      headerBytes = i
      break
    }
  }
  if (headerBytes > INBOUND_LIMITS.headerBytes) return "header section too large"
  if (readHeaders(raw).length > INBOUND_LIMITS.headers) return "too many header fields"
  // Every multipart declaration opens a level; counting them bounds both nesting depth and part count.
  const text = new TextDecoder("latin1").decode(raw)
  const multiparts = text.match(/content-type:\s*multipart\//gi)?.length ?? 0
  if (multiparts > INBOUND_LIMITS.nestingMarkers) return "too many nested multipart levels"
  const parts = text.match(/\r\ncontent-type:/gi)?.length ?? 0
  if (parts > INBOUND_LIMITS.multipartParts) return "too many MIME parts"
  return undefined
}

/** The tag of a plus address: `support+invoice-42@` → `invoice-42`. */
export const mailboxHash = (address: string): string | null => {
  const local = address.slice(0, address.lastIndexOf("@"))
  const plus = local.indexOf("+")
  return plus === -1 || plus === local.length - 1 ? null : local.slice(plus + 1)
}

/** The quoted text of a reply: the sender's lines prefixed with `> `. */
export const quoteText = (text: string): string =>
  text
    .split(/\r?\n/)
    .map((line) => `> ${line}`)
    .join("\n")

/** `Re: ` once, however many the subject already carries. */
export const replySubject = (subject: string | null): string => {
  const base = (subject ?? "").replace(/^(\s*(re|aw|sv)\s*:\s*)+/i, "").trim()
  return `Re: ${base === "" ? "(no subject)" : base}`
}

export const forwardSubject = (subject: string | null): string => {
  const base = (subject ?? "").replace(/^(\s*(fwd?)\s*:\s*)+/i, "").trim()
  return `Fwd: ${base === "" ? "(no subject)" : base}`
}
