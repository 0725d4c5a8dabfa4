import { hasBareLineBreak, type ParsedAddress, type ParsedMessage } from "@poststack/domain"
import { decode as decodeQuotedPrintable } from "libqp"

/**
 * A synchronous reader for the plain shape most submitted mail has, answering exactly what
 * mailparser answers for it (`test/smtp/simpleMessageReader.test.ts` holds the two side by side):
 * printable ASCII headers without encoded words, a text/plain or text/html body, or a
 * multipart/alternative of one of each, in UTF-8 or ASCII, no attachments. Anything else answers
 * `undefined` and goes to mailparser, whose streams, timers and charset tables cost about a fifth
 * of the relay's CPU per message.
 */
export const readSimpleMessage = (raw: Uint8Array): ParsedMessage | undefined => {
  // Read in one go, without yielding: a large message goes to mailparser's streams instead, so no
  // client holds the event loop for long.
  if (raw.byteLength > MAX_BYTES) return undefined
  const bytes = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength)
  // mailparser splits lines at a bare CR or LF too: such a message is left to it.
  if (hasBareLineBreak(raw)) return undefined
  const split = splitHead(bytes, 0)
  if (split === undefined) return undefined
  const { headers, lines } = split
  for (const name of SINGLE) if ((headers.get(name)?.length ?? 0) > 1) return undefined
  const type = contentType(one(headers, "content-type") ?? "text/plain")
  if (type === undefined) return undefined
  const body = bytes.subarray(split.bodyAt)
  let text: string | null = null
  let html: string | null = null
  if (type.type === "multipart/alternative") {
    if (!plainEncoding(one(headers, "content-transfer-encoding"))) return undefined
    if (headers.has("content-disposition")) return undefined
    const parts = multipartBodies(body, type.boundary)
    if (parts === undefined) return undefined
    for (const part of parts) {
      const inner = splitHead(part, 0)
      if (inner === undefined) return undefined
      for (const name of inner.headers.keys()) if (!PART_HEADERS.has(name)) return undefined
      for (const values of inner.headers.values()) if (values.length > 1) return undefined
      const partType = contentType(one(inner.headers, "content-type") ?? "")
      if (partType === undefined || partType.boundary !== null) return undefined
      const content = leafText(part.subarray(inner.bodyAt), one(inner.headers, "content-transfer-encoding"))
      if (content === undefined) return undefined
      if (partType.type === "text/plain" && text === null) text = content
      else if (partType.type === "text/html" && html === null) html = content
      else return undefined
    }
    text = text === "" ? null : text
    html = html === "" ? null : html
  } else {
    // A lone HTML body makes mailparser write a text version of it: left to mailparser.
    if (type.type !== "text/plain" || type.boundary !== null) return undefined
    if (headers.has("content-disposition")) return undefined
    const content = leafText(body, one(headers, "content-transfer-encoding"))
    if (content === undefined) return undefined
    text = content === "" ? null : content
  }

  const from = addressHeader(headers, "from")
  const sender = addressHeader(headers, "sender")
  const to = addressHeader(headers, "to")
  const cc = addressHeader(headers, "cc")
  if (from === undefined || sender === undefined || to === undefined || cc === undefined) return undefined
  const dateText = one(headers, "date")
  const date = dateText === undefined ? null : new Date(dateText)
  if (date !== null && Number.isNaN(date.getTime())) return undefined
  const references = one(headers, "references")
  return {
    from: from[0] ?? null,
    fromAll: from,
    sender: sender[0] ?? null,
    senderAll: sender,
    to,
    cc,
    subject: nonEmpty(one(headers, "subject")),
    messageId: messageIdOf(one(headers, "message-id")),
    inReplyTo: messageIdOf(one(headers, "in-reply-to")),
    references:
      references === undefined || references === ""
        ? []
        : references
            .split(/\s+/)
            .map((r) => messageIdOf(r) ?? "")
            .filter((r) => r !== ""),
    date,
    html,
    text,
    headers: headerTexts(lines),
    attachments: []
  }
}

/** The largest message read here (1 MiB): about a millisecond of work. */
export const MAX_BYTES = 1024 * 1024

/** Headers mailparser keeps the first of (or joins): the reader leaves a repeated one to it. */
const SINGLE = [
  "from",
  "sender",
  "to",
  "cc",
  "subject",
  "date",
  "message-id",
  "in-reply-to",
  "references",
  "content-type",
  "content-transfer-encoding",
  "content-disposition"
]

/** The headers a body part of the simple shape carries. */
const PART_HEADERS = new Set(["content-type", "content-transfer-encoding"])

const CRLF_CRLF = Buffer.from("\r\n\r\n")

interface Head {
  /** Lower-case name to the values of its headers (unfolded, trimmed), in order. */
  readonly headers: Map<string, Array<string>>
  /** Each header as written: name (lower case) and the whole line with its folds. */
  readonly lines: ReadonlyArray<{ readonly key: string; readonly line: string }>
  readonly bodyAt: number
}

/**
 * The header block from `start` to its empty line. Undefined for anything that is not printable
 * ASCII (8-bit, controls, bare line breaks), an encoded word, a punycode domain (mailparser
 * decodes those), or a line that is not `Name: value`.
 */
const splitHead = (bytes: Buffer, start: number): Head | undefined => {
  const end = bytes.indexOf(CRLF_CRLF, start)
  if (end === -1) return undefined
  const block = bytes.toString("latin1", start, end)
  if (!/^[\x20-\x7e\t\r\n]*$/.test(block) || /=\?|xn--/i.test(block)) return undefined
  const lines: Array<{ key: string; line: string }> = []
  const headers = new Map<string, Array<string>>()
  for (const piece of block.split("\r\n")) {
    if (piece.includes("\r") || piece.includes("\n")) return undefined
    const last = lines[lines.length - 1]
    if (piece.startsWith(" ") || piece.startsWith("\t")) {
      if (last === undefined) return undefined
      last.line += `\r\n${piece}`
      continue
    }
    const colon = piece.indexOf(":")
    const name = piece.slice(0, colon)
    if (colon <= 0 || !/^[!-9;-~]+$/.test(name)) return undefined
    lines.push({ key: name.toLowerCase(), line: piece })
  }
  for (const { key, line } of lines) {
    // As libmime's `decodeHeader`, which mailparser reads every header with.
    const unfolded = line.replace(/(?:\r?\n|\r)[ \t]*/g, " ")
    const value = unfolded.slice(unfolded.indexOf(":") + 1).trim()
    const values = headers.get(key)
    if (values === undefined) headers.set(key, [value])
    else values.push(value)
  }
  return { headers, lines, bodyAt: end + 4 }
}

const one = (headers: Map<string, Array<string>>, name: string) => headers.get(name)?.[0]

/** `type/subtype` with a charset of UTF-8 or ASCII (text) or a boundary (multipart), and no other parameter. */
const contentType = (value: string): { type: string; boundary: string | null } | undefined => {
  const [head = "", ...params] = value.split(";")
  const type = head.trim().toLowerCase()
  if (!/^(?:text\/(?:plain|html)|multipart\/alternative)$/.test(type)) return undefined
  let boundary: string | null = null
  for (const param of params) {
    const match = /^\s*([a-z]+)=(?:"([^"\\]*)"|([^\s"\\]+))\s*$/i.exec(param)
    if (match === null) return undefined
    const name = (match[1] ?? "").toLowerCase()
    const given = match[2] ?? match[3] ?? ""
    if (name === "charset" && type.startsWith("text/")) {
      if (!["ascii", "usascii", "utf8"].includes(given.toLowerCase().replace(/[^a-z0-9]+/g, "")))
        return undefined
    } else if (
      name === "boundary" &&
      type === "multipart/alternative" &&
      /^[0-9A-Za-z'()+_,./:=?-]{1,70}$/.test(given)
    ) {
      if (boundary !== null) return undefined
      boundary = given
    } else return undefined
  }
  if (type === "multipart/alternative" && boundary === null) return undefined
  return { type, boundary }
}

const plainEncoding = (value: string | undefined) =>
  value === undefined || ["7bit", "8bit", "binary"].includes(value.toLowerCase())

/** A leaf's text as mailparser gives it: decoded, read as UTF-8, line breaks as `\n`. */
const leafText = (body: Buffer, encoding: string | undefined): string | undefined => {
  let decoded: Buffer
  if (plainEncoding(encoding)) decoded = body
  else if (encoding?.toLowerCase() === "quoted-printable") {
    if (!/^[\x20-\x7e\t\r\n]*$/.test(body.toString("latin1"))) return undefined
    decoded = decodeQuotedPrintable(body)
  } else if (encoding?.toLowerCase() === "base64") {
    const text = body.toString("latin1").replace(/\r\n/g, "")
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) return undefined
    decoded = Buffer.from(text, "base64")
  } else return undefined
  return decoded.toString().replace(/\r?\n/g, "\n")
}

/**
 * The bodies of a multipart's parts: what lies between delimiter lines `--boundary`, less the
 * CRLF before each delimiter, up to the close delimiter. Any other line starting with the
 * delimiter (trailing blanks, a longer boundary) is left to mailparser, as is a missing close.
 */
const multipartBodies = (body: Buffer, boundary: string | null): Array<Buffer> | undefined => {
  if (boundary === null) return undefined
  const text = body.toString("latin1")
  const delimiter = `--${boundary}`
  const lines = text.split("\r\n")
  const parts: Array<Buffer> = []
  let offset = 0
  let partStart = -1
  let closed = false
  for (const line of lines) {
    const lineStart = offset
    offset += line.length + 2
    if (!line.startsWith(delimiter)) continue
    if (closed) return undefined
    if (line !== delimiter && line !== `${delimiter}--`) return undefined
    if (partStart !== -1) parts.push(body.subarray(partStart, Math.max(partStart, lineStart - 2)))
    if (line === delimiter) partStart = Math.min(offset, body.length)
    else closed = true
  }
  if (!closed || parts.length === 0 || parts.length > 2) return undefined
  return parts
}

/** A list of `address`, `<address>` and `Name <address>` (the name plain words or quoted, without escapes). */
const addressHeader = (
  headers: Map<string, Array<string>>,
  name: string
): Array<ParsedAddress> | undefined => {
  const value = one(headers, name)
  if (value === undefined || value === "") return []
  const out: Array<ParsedAddress> = []
  for (const entry of splitOutsideQuotes(value)) {
    const trimmed = entry.trim()
    if (trimmed === "") continue
    const match = MAILBOX.exec(trimmed)
    if (match === null) return undefined
    const address = match[1] ?? match[4]
    if (address === undefined) return undefined
    const display = (match[2] ?? match[3] ?? "").trim()
    out.push({ address, name: display === "" ? null : display })
  }
  return out
}

const ADDRESS =
  "[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@[A-Za-z0-9-]+(?:\\.[A-Za-z0-9-]+)*"
const WORD = "[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+"
const MAILBOX = new RegExp(`^(?:(${ADDRESS})|(?:"([^"\\\\]*)"|(${WORD}(?: ${WORD})*))? ?<(${ADDRESS})>)$`)

const splitOutsideQuotes = (value: string): Array<string> => {
  const out: Array<string> = []
  let quoted = false
  let from = 0
  for (let i = 0; i < value.length; i++) {
    const c = value[i]
    if (c === '"') quoted = !quoted
    else if (c === "," && !quoted) {
      out.push(value.slice(from, i))
      from = i + 1
    }
  }
  out.push(value.slice(from))
  return out
}

const nonEmpty = (value: string | undefined) => (value === undefined || value === "" ? null : value)

/** As mailparser writes a message id: in angle brackets, added where missing. */
const messageIdOf = (value: string | undefined) => {
  if (value === undefined || value === "") return null
  return `${value.startsWith("<") ? "" : "<"}${value}${value.endsWith(">") ? "" : ">"}`
}

/** Header values as text: the raw line's value for each header, first occurrence only. */
export const headerTexts = (lines: ReadonlyArray<{ key: string; line: string }>): Record<string, string> => {
  const out: Record<string, string> = {}
  for (const { key, line } of lines) {
    if (key in out) continue
    const colon = line.indexOf(":")
    out[key] = line
      .slice(colon + 1)
      .replace(/\r?\n[ \t]+/g, " ")
      .trim()
  }
  return out
}
