import { createHash, type KeyObject, sign } from "node:crypto"

/**
 * DKIM (RFC 6376) for a whole message in memory: relaxed/relaxed canonicalization, rsa-sha256.
 * The RSA signature runs on libuv's thread pool, so a worker signing many messages keeps its
 * event loop for the SMTP sessions.
 */

/**
 * The header fields signed when present: those RFC 6376 section 5.4.1 suggests, plus
 * `List-Unsubscribe-Post`, which RFC 8058 requires to be signed next to `List-Unsubscribe`.
 */
const SIGNED_FIELDS = [
  "from",
  "sender",
  "reply-to",
  "subject",
  "date",
  "message-id",
  "to",
  "cc",
  "mime-version",
  "content-type",
  "content-transfer-encoding",
  "content-id",
  "content-description",
  "resent-date",
  "resent-from",
  "resent-sender",
  "resent-to",
  "resent-cc",
  "resent-message-id",
  "in-reply-to",
  "references",
  "list-id",
  "list-help",
  "list-unsubscribe",
  "list-unsubscribe-post",
  "list-subscribe",
  "list-post",
  "list-owner",
  "list-archive"
]

export interface DkimKey {
  readonly domainName: string
  readonly selector: string
  readonly privateKey: KeyObject
}

/** Every line break as CRLF (a bare LF or CR becomes one), as the message goes on the wire. */
const crlf = (text: string) => (/\r(?!\n)|(?<!\r)\n/.test(text) ? text.replace(/\r\n|\r|\n/g, "\r\n") : text)

/** Relaxed body: whitespace runs as one space, none at line ends, no empty lines at the end. */
export const relaxedBody = (body: string): string => {
  const lines = body.split("\r\n").map((line) => line.replace(/[ \t]+/g, " ").replace(/ $/, ""))
  while (lines.length > 0 && lines[lines.length - 1] === "") lines.pop()
  return lines.length === 0 ? "" : `${lines.join("\r\n")}\r\n`
}

/** Relaxed header value: unfolded, whitespace runs as one space, none at either end. */
const relaxedValue = (field: string) =>
  field
    .slice(field.indexOf(":") + 1)
    .replace(/\r\n/g, "")
    .replace(/[ \t]+/g, " ")
    .replace(/^ | $/g, "")

/** The header's fields, each with its continuation lines, in order. */
const fieldsOf = (header: string): Array<{ readonly name: string; readonly field: string }> => {
  const fields: Array<{ name: string; field: string }> = []
  for (const line of header.split("\r\n")) {
    const last = fields[fields.length - 1]
    if ((line.startsWith(" ") || line.startsWith("\t")) && last !== undefined) last.field += `\r\n${line}`
    else if (line !== "")
      fields.push({ name: line.slice(0, line.indexOf(":")).trim().toLowerCase(), field: line })
  }
  return fields
}

/** Folds `parts` into lines of about 76 characters, breaking only before a part. */
const fold = (first: string, parts: ReadonlyArray<string>, separator: string) => {
  let out = first
  let width = first.length
  parts.forEach((part, i) => {
    const piece = i === 0 ? part : `${separator}${part}`
    if (width + piece.length > 76 && i > 0) {
      out += `${separator.trimEnd()}\r\n ${part}`
      width = part.length + 1
    } else {
      out += piece
      width += piece.length
    }
  })
  return out
}

const rsaSha256 = (data: Buffer, key: KeyObject) =>
  new Promise<Buffer>((resolve, reject) =>
    sign("sha256", data, key, (error, signature) => (error === null ? resolve(signature) : reject(error)))
  )

/** The message with a `DKIM-Signature` field on top (and its line breaks made CRLF). */
export const dkimSign = async (message: Uint8Array, key: DkimKey): Promise<Buffer> => {
  // latin1 keeps every byte as one character, so canonicalization never alters 8-bit content.
  const text = crlf(Buffer.from(message.buffer, message.byteOffset, message.byteLength).toString("latin1"))
  const end = text.indexOf("\r\n\r\n")
  const header = end < 0 ? text : text.slice(0, end)
  const body = end < 0 ? "" : text.slice(end + 4)
  const bodyHash = createHash("sha256").update(relaxedBody(body), "latin1").digest("base64")

  // For a field signed more than once, the last instance counts (RFC 6376 section 5.4.2).
  const last = new Map<string, string>()
  for (const { name, field } of fieldsOf(header)) last.set(name, field)
  const signed = SIGNED_FIELDS.filter((name) => last.has(name))
  const tags = [
    "v=1",
    "a=rsa-sha256",
    "c=relaxed/relaxed",
    `d=${key.domainName}`,
    `s=${key.selector}`,
    "q=dns/txt",
    `bh=${bodyHash}`
  ]
  const unsigned = `${fold("DKIM-Signature: ", tags, "; ")};\r\n ${fold("h=", signed, ":")};\r\n b=`
  const input = [
    ...signed.map((name) => `${name}:${relaxedValue(last.get(name) ?? "")}`),
    `dkim-signature:${relaxedValue(unsigned)}`
  ].join("\r\n")
  const signature = (await rsaSha256(Buffer.from(input, "latin1"), key.privateKey)).toString("base64")
  const folded = signature.match(/.{1,72}/g)?.join("\r\n ") ?? ""
  return Buffer.from(`${unsigned}${folded}\r\n${text}`, "latin1")
}
