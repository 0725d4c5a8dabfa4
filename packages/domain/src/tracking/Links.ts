import { rowIdFrom } from "../RowId.js"

/** Which tracked thing a signed link stands for; each kind is signed apart so one cannot pass for another. */
export type TrackingKind = "open" | "click" | "unsubscribe"

/** One recipient's copy of one email: what every tracking link names. */
export interface TrackingRef {
  readonly emailId: string
  readonly deliveryId: number
}

const EMAIL_ID = /^em_[0-9a-f]{32}$/
const DELIVERY_ID = /^[1-9][0-9]{0,17}$/
const SIGNATURE = /^[A-Za-z0-9_-]{22}$/

/**
 * The exact bytes an HMAC covers: kind, email, delivery and the last part, newline-separated. The
 * last part is a click's target, or the topic (row id) an unsubscribe link was sent for; a link
 * without one signs "" there, so links sent before topics existed stay valid.
 */
export const signingInput = (kind: TrackingKind, ref: TrackingRef, url = ""): string =>
  `poststack-${kind}-v1\n${ref.emailId}\n${ref.deliveryId}\n${url}`

/** Reads the path parts of a tracking link; `undefined` when they cannot be ours. */
export const parseTrackingRef = (
  emailId: string,
  deliveryId: string,
  signature: string
): { readonly ref: TrackingRef; readonly signature: string } | undefined =>
  EMAIL_ID.test(emailId) && DELIVERY_ID.test(deliveryId) && SIGNATURE.test(signature)
    ? { ref: { emailId, deliveryId: Number(deliveryId) }, signature }
    : undefined

/** `https://host` with no trailing slash. */
const origin = (base: string) => base.replace(/\/+$/, "")

export const openUrl = (base: string, ref: TrackingRef, signature: string) =>
  `${origin(base)}/t/o/${ref.emailId}/${ref.deliveryId}/${signature}.gif`

export const clickUrl = (base: string, ref: TrackingRef, signature: string, target: string) =>
  `${origin(base)}/t/c/${ref.emailId}/${ref.deliveryId}/${signature}?url=${encodeURIComponent(target)}`

/** The topic an unsubscribe link's `topic` parameter names (its row id); `undefined` when absent or malformed. */
export const parseTopicParam = (value: string | undefined): number | undefined =>
  value === undefined ? undefined : rowIdFrom(value)

/** An unsubscribe link; with `topicId`, the link (and its signature) also names the topic the mail was for. */
export const unsubscribeUrl = (base: string, ref: TrackingRef, signature: string, topicId?: number) =>
  `${origin(base)}/u/${ref.emailId}/${ref.deliveryId}/${signature}${topicId === undefined ? "" : `?topic=${topicId}`}`

/**
 * The target of a link we may rewrite: an absolute http(s) URL with a host and nothing a browser
 * would strip or reinterpret. Anything else (javascript:, data:, mailto:, tel:, relative links,
 * anchors, template placeholders) is left exactly as written.
 */
export const trackableUrl = (href: string): string | undefined => {
  // HTML strips leading and trailing ASCII whitespace from URL attributes, nothing else.
  const url = href.replace(/^[\t\n\f\r ]+|[\t\n\f\r ]+$/g, "")
  if (!/^https?:\/\/[^/?#\s\\]+/i.test(url)) return undefined
  if (/[\s\p{Cc}<>"]/u.test(url) || url.includes("{{")) return undefined
  if (url.length > 4096 || !URL.canParse(url)) return undefined
  return url
}

/** A target as carried back by a click: only http(s), so a signed link can never become a script. */
export const isRedirectTarget = (url: string): boolean => trackableUrl(url) === url
