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

// A multipart declaration: any case, whitespace or a fold before and after the colon, quotes ahead
// of the type. One spelt with a comment ahead of the type is caught by its boundary instead (every
// level with parts declares one). Both patterns are written so that no run of text can be matched
// two ways: each runs in time linear in the message, whatever a sender writes.
const MULTIPART = /content-type\s*:[\s"]*multipart/gi
// A boundary parameter, plain or in RFC 2231 form (`boundary*`, `boundary*0`, `boundary*1*`).
const BOUNDARY = /boundary(\*(\d*)\*?)?\s*=/gi
// How far past its `=` a parameter's value is read: a boundary is at most 70 characters.
const PARAMETER_SPAN = 2000

/**
 * The value of a parameter from `from` on, read as the MIME parser reads it: quotes and
 * backslashes removed, comments dropped, folds joined, ending at `;` or the end of the field.
 */
const parameterValue = (text: string, from: number): string => {
  let out = ""
  let quoted = false
  const stop = Math.min(text.length, from + PARAMETER_SPAN)
  for (let i = from; i < stop; i++) {
    const c = text[i]
    if (c === "\\") out += text[++i] ?? ""
    else if (c === '"') quoted = !quoted
    else if (quoted) out += c
    else if (c === ";") break
    else if (c === "(") {
      const close = text.slice(i, stop).indexOf(")")
      i = close === -1 ? stop : i + close
    } else if (c === "\r" || c === "\n") {
      const next = text[c === "\r" && text[i + 1] === "\n" ? i + 2 : i + 1]
      if (next !== " " && next !== "\t") break
    } else out += c
  }
  return out.trim()
}

/** `utf-8''a%41` → `aA`: an RFC 2231 extended value, charset and language dropped. */
const extendedValue = (value: string): string => {
  const start = value.indexOf("''")
  if (start === -1) return value
  return value
    .slice(start + 2)
    .replace(/%([0-9a-f]{2})/gi, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)))
}

/**
 * Every boundary the message declares anywhere, and how many declarations there are. A
 * continued parameter (`boundary*0`, `boundary*1`) adds each prefix of the joined value, so the
 * whole is among them whichever segment comes last.
 */
const declaredBoundaries = (text: string) => {
  const boundaries = new Set<string>()
  let declarations = 0
  let joined = ""
  let seen = 0
  for (const match of text.matchAll(BOUNDARY)) {
    // Past this many the message is refused for nesting anyway: reading more would only cost time.
    if (++seen > 4 * INBOUND_LIMITS.nestingMarkers)
      return { boundaries, declarations: Number.POSITIVE_INFINITY }
    const raw = parameterValue(text, match.index + match[0].length)
    const value = match[1] === undefined ? raw : extendedValue(raw)
    if (match[2] === undefined || match[2] === "" || match[2] === "0") {
      declarations++
      joined = value
    } else joined += value
    const boundary = joined.trimEnd()
    // An empty boundary is none: the parser splits on it no more than on a missing one.
    if (boundary !== "") boundaries.add(boundary)
  }
  return { boundaries, declarations }
}

/**
 * The body parts a MIME parser finds: delimiter lines (`--` and a declared boundary, then
 * optional spaces or tabs) of any boundary the message declares, whatever header declared it and
 * whether or not a part has a Content-Type. Closing delimiters open no part.
 */
const countParts = (text: string, boundaries: ReadonlySet<string>): number => {
  if (boundaries.size === 0) return 0
  let parts = 0
  let line = text.startsWith("--") ? 0 : text.indexOf("\n--")
  if (line > 0) line++
  while (line !== -1) {
    const end = text.indexOf("\n", line)
    const candidate = text.slice(line + 2, end === -1 ? text.length : end).replace(/[ \t\r]+$/, "")
    if (boundaries.has(candidate)) parts++
    const next = end === -1 ? -1 : text.indexOf("\n--", end)
    line = next === -1 ? -1 : next + 1
  }
  return parts
}

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
  const text = new TextDecoder("latin1").decode(raw)
  // Every multipart declaration opens a level, and a level with parts needs a boundary: counting
  // either bounds the nesting depth, however the Content-Type field is spelt.
  const { boundaries, declarations } = declaredBoundaries(text)
  const multiparts = text.match(MULTIPART)?.length ?? 0
  if (Math.max(multiparts, declarations) > INBOUND_LIMITS.nestingMarkers)
    return "too many nested multipart levels"
  if (countParts(text, boundaries) > INBOUND_LIMITS.multipartParts) return "too many MIME parts"
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
