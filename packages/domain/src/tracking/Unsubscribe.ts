/**
 * RFC 2369 and RFC 8058 headers: the https link receives the one-click POST. They must be covered
 * by the DKIM signature for mailbox providers to offer one-click unsubscribe.
 */
export const listUnsubscribeHeaders = (url: string): Readonly<Record<string, string>> => ({
  "List-Unsubscribe": `<${url}>`,
  "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"
})

/** Where a body asks for the recipient's own unsubscribe link. */
export const UNSUBSCRIBE_PLACEHOLDER = /\{\{\s*unsubscribe_url\s*\}\}/g

/**
 * Puts the recipient's unsubscribe link where the body says `{{unsubscribe_url}}`, passed through
 * `encode` (attribute escaping for HTML). Runs after link tracking, which leaves placeholders
 * alone, so the link is never routed through a click redirect.
 */
export const fillUnsubscribeLink = (body: string, url: string, encode: (s: string) => string = (s) => s) =>
  body.replace(UNSUBSCRIBE_PLACEHOLDER, () => encode(url))
