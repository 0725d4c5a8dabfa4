/** What the `X-PostStack-*` headers of a message submitted over SMTP ask for. */
export interface SubmissionOptions {
  readonly idempotencyKey: string | null
  readonly tags: ReadonlyArray<string>
  readonly templateId: string | null
  /** As given: the template send refuses values that are not strings. */
  readonly variables: Readonly<Record<string, unknown>> | null
}

/** Our control headers: read at submission, never delivered. */
export const isControlHeader = (lowerName: string): boolean => lowerName.startsWith("x-poststack-")

/** Base64 to bytes, skipping whitespace and anything outside the alphabet. */
export const decodeBase64 = (text: string): Uint8Array => {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
  const out: Array<number> = []
  let bits = 0
  let value = 0
  for (const c of text.replace(/=+$/, "")) {
    const index = alphabet.indexOf(c)
    if (index === -1) continue
    value = (value << 6) | index
    bits += 6
    if (bits >= 8) {
      bits -= 8
      out.push((value >> bits) & 0xff)
    }
  }
  return new Uint8Array(out)
}

/** Decodes RFC 2047 encoded words (`=?UTF-8?Q?...?=`, `=?UTF-8?B?...?=`), as clients write non-trivial header values. */
export const decodeEncodedWords = (value: string): string =>
  value
    .replace(/\?=\s+=\?/g, "?==?")
    .replace(
      /=\?([^?]+)\?([qQbB])\?([^?]*)\?=/g,
      (whole, charset: string, encoding: string, text: string) => {
        let bytes: Uint8Array
        if (encoding.toLowerCase() === "b") bytes = decodeBase64(text)
        else {
          const out: Array<number> = []
          for (let i = 0; i < text.length; i++) {
            const c = text[i] ?? ""
            if (c === "_") out.push(0x20)
            else if (c === "=" && /^[0-9a-fA-F]{2}$/.test(text.slice(i + 1, i + 3))) {
              out.push(Number.parseInt(text.slice(i + 1, i + 3), 16))
              i += 2
            } else out.push(c.charCodeAt(0) & 0xff)
          }
          bytes = new Uint8Array(out)
        }
        try {
          return new TextDecoder(charset.split("*")[0]?.toLowerCase() ?? "utf-8").decode(bytes)
        } catch {
          return whole
        }
      }
    )

/** Reads the control headers; the first problem as a sentence. */
export const submissionOptions = (
  headers: ReadonlyArray<{ readonly name: string; readonly value: string }>
): SubmissionOptions | string => {
  const get = (name: string) => {
    const value = headers.find((h) => h.name.toLowerCase() === name)?.value
    return value === undefined ? undefined : decodeEncodedWords(value)
  }
  const idempotencyKey = get("x-poststack-idempotency-key") ?? null
  if (idempotencyKey !== null && (idempotencyKey === "" || idempotencyKey.length > 256)) {
    return "X-PostStack-Idempotency-Key must be 1 to 256 characters"
  }
  const rawTags = get("x-poststack-tags")
  const tags =
    rawTags === undefined
      ? []
      : rawTags
          .split(",")
          .map((t) => t.trim())
          .filter((t) => t !== "")
  const rawVariables = get("x-poststack-variables")
  let variables: Record<string, unknown> | null = null
  if (rawVariables !== undefined) {
    let parsed: unknown
    try {
      parsed = JSON.parse(rawVariables)
    } catch {
      return "X-PostStack-Variables must be a JSON object"
    }
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
      return "X-PostStack-Variables must be a JSON object"
    }
    variables = parsed as Record<string, unknown>
  }
  return { idempotencyKey, tags, templateId: get("x-poststack-template-id") ?? null, variables }
}
