/**
 * RFC 2369 and RFC 8058 headers: the https link receives the one-click POST. They must be covered
 * by the DKIM signature for mailbox providers to offer one-click unsubscribe.
 */
export const listUnsubscribeHeaders = (url: string): Readonly<Record<string, string>> => ({
  "List-Unsubscribe": `<${url}>`,
  "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"
})
