/**
 * RFC 2369 and RFC 8058 headers: the https link receives the one-click POST. They must be covered
 * by the DKIM signature for mailbox providers to offer one-click unsubscribe.
 */
export const listUnsubscribeHeaders = (url: string): Readonly<Record<string, string>> => ({
  "List-Unsubscribe": `<${url}>`,
  "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"
})

/** Header names a sender may not set when we add the unsubscribe headers ourselves (any case). */
export const withoutListUnsubscribe = (headers: Readonly<Record<string, string>>) =>
  Object.fromEntries(Object.entries(headers).filter(([name]) => !/^list-unsubscribe(-post)?$/i.test(name)))
