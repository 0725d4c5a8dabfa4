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
  // `indexOf` scans natively: only the line breaks themselves are looked at here.
  for (let i = raw.indexOf(LF); i !== -1; i = raw.indexOf(LF, i + 1)) if (raw[i - 1] !== CR) return true
  for (let i = raw.indexOf(CR); i !== -1; i = raw.indexOf(CR, i + 2)) if (raw[i + 1] !== LF) return true
  return false
}

/** Where the header block ends: the index of the empty line's CRLF, or -1 when there is no body separator. */
const headerEnd = (raw: Uint8Array): number => {
  for (let i = raw.indexOf(CR); i !== -1 && i + 3 < raw.length; i = raw.indexOf(CR, i + 1)) {
    if (raw[i + 1] === LF && raw[i + 2] === CR && raw[i + 3] === LF) return i + 2
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

/**
 * A message's header block read once: where it ends (the index of the empty line's CRLF, or -1
 * when there is no body separator), its lines with their folded continuations as raw text
 * (latin1, byte for byte), and those lines as headers. `readHeaders` and `rewriteHeaders` take
 * one, so a message read for both walks its header bytes once.
 */
export interface RawHead {
  readonly end: number
  readonly lines: ReadonlyArray<string>
  readonly headers: ReadonlyArray<RawHeader>
}

/** The header lines, each with its folded continuation lines, as raw text (latin1, byte for byte). */
const headerLines = (raw: Uint8Array, end: number): Array<string> => {
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

export const readHead = (raw: Uint8Array): RawHead => {
  const end = headerEnd(raw)
  const lines = headerLines(raw, end)
  const headers = lines.flatMap((line) => {
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
  return { end, lines, headers }
}

/** The message's headers in order, unfolded. */
export const readHeaders = (raw: Uint8Array): ReadonlyArray<RawHeader> => readHead(raw).headers

export const headerValue = (headers: ReadonlyArray<RawHeader>, name: string): string | undefined =>
  headers.find((h) => h.name.toLowerCase() === name.toLowerCase())?.value

/**
 * Rewrites the header block: drops the headers `drop` names (lower-case) and puts `prepend`
 * lines first. The body is kept byte for byte. `read` is the message's `readHead`, when the caller
 * already has it.
 */
export const rewriteHeaders = (
  raw: Uint8Array,
  drop: (lowerName: string) => boolean,
  prepend: ReadonlyArray<string> = [],
  read: RawHead = readHead(raw)
): Uint8Array => {
  const end = read.end
  const kept = read.lines.filter((line) => {
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
