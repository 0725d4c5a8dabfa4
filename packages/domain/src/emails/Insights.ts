/** Something in a message a sender may want to fix before (or after) sending it. */
export interface EmailInsightWarning {
  /** Stable, for programs: `missing_text_body`, `subject_all_caps`... */
  readonly code: string
  readonly message: string
  /** `warning` may hurt delivery or display; `info` is advice. */
  readonly severity: "warning" | "info"
}

/** What the rules read of a message. */
export interface InsightInput {
  readonly subject: string
  readonly html: string | null
  readonly text: string | null
  readonly headers: Readonly<Record<string, string>>
  /** One-click unsubscribe asked for on the send. */
  readonly unsubscribe: boolean
}

/** Gmail shows "[Message clipped]" past this many bytes of HTML. */
export const CLIPPING_BYTES = 102 * 1024

const SHORTENERS =
  /^(bit\.ly|tinyurl\.com|goo\.gl|t\.co|ow\.ly|is\.gd|buff\.ly|cutt\.ly|rebrand\.ly|shorturl\.at)$/i

const hrefs = (html: string): ReadonlyArray<string> =>
  [...html.matchAll(/<a\b[^>]*?\shref\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))/gi)].map(
    (m) => m[1] ?? m[2] ?? m[3] ?? ""
  )

const hostOf = (url: string): string | undefined => /^https?:\/\/([^/?#:\s]+)/i.exec(url.trim())?.[1]

const visibleText = (html: string): string =>
  html
    .replace(/<(script|style|head)\b[\s\S]*?<\/\1\s*>/gi, " ")
    .replace(/<[^>]*>/g, " ")
    .replace(/&[a-z#0-9]+;/gi, " ")
    .replace(/\s+/g, " ")
    .trim()

/**
 * Advice about a message's content, in a fixed order: each rule adds at most one warning.
 * Nothing here reads the network or the team's history; the same message always gets the same
 * advice.
 */
export const insightsFor = (input: InsightInput): ReadonlyArray<EmailInsightWarning> => {
  const out: Array<EmailInsightWarning> = []
  const add = (code: string, severity: EmailInsightWarning["severity"], message: string) =>
    out.push({ code, severity, message })
  const html = input.html ?? ""
  const text = input.text ?? ""
  const headerNames = new Set(Object.keys(input.headers).map((h) => h.toLowerCase()))

  if (html !== "" && text === "")
    add(
      "missing_text_body",
      "warning",
      "No plain-text part: one is derived from the HTML. Write one for clients that show text, and for filters that compare both parts."
    )
  if (html === "" && text !== "")
    add(
      "missing_html_body",
      "info",
      "Text only: fine for plain notes, but links are not clickable in every client."
    )
  const letters = input.subject.replace(/[^\p{L}]/gu, "")
  if (letters.length >= 5 && letters === letters.toUpperCase() && letters !== letters.toLowerCase())
    add("subject_all_caps", "warning", "The subject is all capitals, which spam filters score against.")
  if (input.subject.length > 78)
    add(
      "subject_too_long",
      "info",
      "The subject is longer than 78 characters and is cut off in most inbox lists."
    )
  if (new TextEncoder().encode(html).length > CLIPPING_BYTES)
    add(
      "html_clipped",
      "warning",
      "The HTML is over 102 KB: Gmail clips it and hides the rest (and the open pixel)."
    )
  const images = html.match(/<img\b[^>]*>/gi) ?? []
  if (images.some((tag) => !/\salt\s*=/i.test(tag)))
    add("images_missing_alt", "info", "Some images have no alt text, which shows when images are blocked.")
  if (images.length > 0 && visibleText(html).length < 100)
    add("image_heavy", "warning", "Mostly images and little text: spam filters distrust image-only mail.")
  const links = hrefs(html)
  if (links.some((l) => SHORTENERS.test(hostOf(l) ?? "")))
    add(
      "link_shortener",
      "warning",
      "A link goes through a public URL shortener, which spam filters distrust."
    )
  if (links.some((l) => /^http:\/\//i.test(l.trim())))
    add("insecure_link", "info", "A link uses http:// rather than https://.")
  if (!input.unsubscribe && !headerNames.has("list-unsubscribe"))
    add(
      "missing_unsubscribe",
      "info",
      "No List-Unsubscribe header: bulk mail to Gmail and Yahoo needs one-click unsubscribe (send with unsubscribe: true)."
    )
  return out
}
