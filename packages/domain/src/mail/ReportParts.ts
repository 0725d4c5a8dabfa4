import { decodeBase64 } from "./Submission.js"

/** A leaf part of a message, as text (report parts are text). */
export interface TextPart {
  readonly contentType: string
  readonly text: string
}

const MAX_DEPTH = 8
const MAX_PARTS = 200

const headerOf = (head: string, name: string): string | undefined => {
  const unfolded = head.replace(/\r\n[ \t]+/g, " ")
  const match = new RegExp(`^${name}:[ \\t]*(.*)$`, "im").exec(unfolded)
  return match?.[1]?.trim()
}

const decodeBody = (body: string, encoding: string | undefined): string => {
  const cte = (encoding ?? "").toLowerCase()
  if (cte === "base64") return new TextDecoder().decode(decodeBase64(body))
  if (cte === "quoted-printable") {
    return body
      .replace(/=\r\n/g, "")
      .replace(/=([0-9A-Fa-f]{2})/g, (_m, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)))
  }
  return body
}

/**
 * The leaf parts of a MIME message with their content types, bounded in depth and count. MIME
 * parsers fold `message/delivery-status` and `message/feedback-report` into the text body; the
 * report rules need them apart.
 */
export const textParts = (raw: Uint8Array): ReadonlyArray<TextPart> => {
  const out: Array<TextPart> = []
  const walk = (entity: string, depth: number) => {
    if (out.length >= MAX_PARTS) return
    const split = entity.indexOf("\r\n\r\n")
    const head = split === -1 ? entity : entity.slice(0, split)
    const body = split === -1 ? "" : entity.slice(split + 4)
    const contentType = headerOf(head, "content-type") ?? "text/plain"
    const type = (contentType.split(";")[0] ?? "").trim().toLowerCase()
    const boundary = /boundary\s*=\s*(?:"([^"]+)"|([^;\s]+))/i.exec(contentType)
    if (type.startsWith("multipart/") && boundary !== null) {
      if (depth >= MAX_DEPTH) return
      const delimiter = `--${boundary[1] ?? boundary[2]}`
      const pieces = body.split(delimiter)
      for (const piece of pieces.slice(1)) {
        if (piece.startsWith("--")) break
        walk(piece.replace(/^[ \t]*\r\n/, ""), depth + 1)
      }
      return
    }
    out.push({ contentType: type, text: decodeBody(body, headerOf(head, "content-transfer-encoding")) })
  }
  walk(new TextDecoder("latin1").decode(raw), 0)
  return out
}
