/** A header of a raw message, unfolded, with its name as written. */
export interface RawHeader {
  readonly name: string
  readonly value: string
}

const CR = 0x0d
const LF = 0x0a

/**
 * Whether a CR or LF appears outside a CRLF pair. Bare line breaks are how SMTP smuggling hides a
 * second message inside the first (`\n.\n`, `\r.\r\n`): such a message is refused whole.
 */
export const hasBareLineBreak = (raw: Uint8Array): boolean => {
  for (let i = 0; i < raw.length; i++) {
    const byte = raw[i]
    if (byte === CR && raw[i + 1] !== LF) return true
    if (byte === LF && raw[i - 1] !== CR) return true
  }
  return false
}

/** Where the header block ends: the index of the empty line's CRLF, or -1 when there is no body separator. */
const headerEnd = (raw: Uint8Array): number => {
  for (let i = 0; i + 3 < raw.length; i++) {
    if (raw[i] === CR && raw[i + 1] === LF && raw[i + 2] === CR && raw[i + 3] === LF) return i + 2
  }
  return -1
}

const latin1 = (bytes: Uint8Array) => {
  let out = ""
  // `apply` rather than a spread, which walks the array through its iterator (several times slower).
  for (let i = 0; i < bytes.length; i += 8192)
    out += String.fromCharCode.apply(null, bytes.subarray(i, Math.min(bytes.length, i + 8192)) as never)
  return out
}

/** The header lines, each with its folded continuation lines, as raw text (latin1, byte for byte). */
const headerLines = (raw: Uint8Array): Array<string> => {
  const end = headerEnd(raw)
  const text = latin1(raw.subarray(0, end === -1 ? raw.length : end))
  const lines: Array<string> = []
  for (const line of text.split("\r\n")) {
    if (line === "") continue
    if ((line.startsWith(" ") || line.startsWith("\t")) && lines.length > 0) {
      lines[lines.length - 1] += `\r\n${line}`
    } else lines.push(line)
  }
  return lines
}

/** The message's headers in order, unfolded. */
export const readHeaders = (raw: Uint8Array): ReadonlyArray<RawHeader> =>
  headerLines(raw).flatMap((line) => {
    const colon = line.indexOf(":")
    if (colon <= 0) return []
    return [
      {
        name: line.slice(0, colon).trim(),
        value: line
          .slice(colon + 1)
          .replace(/\r\n/g, "")
          .trim()
      }
    ]
  })

export const headerValue = (headers: ReadonlyArray<RawHeader>, name: string): string | undefined =>
  headers.find((h) => h.name.toLowerCase() === name.toLowerCase())?.value

/**
 * Rewrites the header block: drops the headers `drop` names (lower-case) and puts `prepend`
 * lines first. The body is kept byte for byte.
 */
export const rewriteHeaders = (
  raw: Uint8Array,
  drop: (lowerName: string) => boolean,
  prepend: ReadonlyArray<string> = []
): Uint8Array => {
  const end = headerEnd(raw)
  const kept = headerLines(raw).filter((line) => {
    const colon = line.indexOf(":")
    return colon <= 0 || !drop(line.slice(0, colon).trim().toLowerCase())
  })
  const head = [...prepend, ...kept].map((l) => `${l}\r\n`).join("")
  const body = end === -1 ? new Uint8Array([CR, LF]) : raw.subarray(end)
  const out = new Uint8Array(head.length + body.length)
  for (let i = 0; i < head.length; i++) out[i] = head.charCodeAt(i) & 0xff
  out.set(body, head.length)
  return out
}
