/** Headers we write ourselves: a custom header may not set or override them. */
const RESERVED = new Set(
  [
    "from",
    "to",
    "cc",
    "bcc",
    "subject",
    "date",
    "message-id",
    "mime-version",
    "content-type",
    "content-transfer-encoding",
    "content-disposition",
    "dkim-signature",
    "return-path",
    "received",
    "sender",
    "reply-to",
    "list-unsubscribe",
    "list-unsubscribe-post",
    "arc-seal",
    "arc-message-signature",
    "arc-authentication-results",
    "authentication-results"
  ].map((h) => h.toLowerCase())
)

const NAME = /^[!-9;-~]{1,76}$/

export type HeaderProblem = { readonly header: string; readonly reason: string }

/** Checks custom headers: printable names, no line breaks in values, none of ours, a sane size. */
export const checkCustomHeaders = (headers: Readonly<Record<string, string>>): HeaderProblem | undefined => {
  const entries = Object.entries(headers)
  if (entries.length > 50) return { header: "headers", reason: "at most 50 custom headers" }
  for (const [name, value] of entries) {
    if (!NAME.test(name)) return { header: name, reason: "is not a valid header name" }
    const lower = name.toLowerCase()
    if (RESERVED.has(lower) || lower.startsWith("x-poststack-")) {
      return { header: name, reason: "is set by PostStack and cannot be overridden" }
    }
    if (/[\r\n\0]/.test(value)) return { header: name, reason: "must not contain line breaks" }
    if (value.length > 2000) return { header: name, reason: "is longer than 2000 characters" }
  }
  return undefined
}
