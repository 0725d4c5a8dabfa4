import {
  applyTracking,
  clickUrl,
  escapeAttribute,
  fillUnsubscribeLink,
  listUnsubscribeHeaders,
  openUrl,
  signingInput,
  type TrackingRef,
  trackableUrl,
  unsubscribeUrl
} from "@poststack/domain"
import { Effect } from "effect"
import type { EmailForDelivery } from "../../ports/EmailRepository.js"
import { HtmlScanner } from "../../ports/HtmlScanner.js"
import { TrackingLinks } from "../../ports/TrackingLinks.js"

/** The public address of tracking links: the domain's own tracking host when it has one. */
const baseFor = (publicUrl: string, trackingDomain: string | null) =>
  trackingDomain === null ? publicUrl : `${new URL(publicUrl).protocol}//${trackingDomain}`

/**
 * One recipient's HTML and headers: links rewritten and a pixel added when the email tracks
 * clicks or opens, and the one-click unsubscribe headers (and `{{unsubscribe_url}}` in the bodies
 * filled) when it asked for them. Every link
 * names this recipient's delivery, so events say who opened or clicked. Untraced: it runs for
 * every message, mostly to find there is nothing to do.
 */
export const TrackedContent = Effect.fnUntraced(function* (deliveryId: number, email: EmailForDelivery) {
  const record = email.record
  const tracks = email.htmlBody !== null && (email.trackOpens || email.trackClicks)
  if (!tracks && !record.unsubscribeEnabled)
    return { html: email.htmlBody, text: email.textBody, headers: record.headers }
  const links = yield* TrackingLinks
  const ref: TrackingRef = { emailId: record.publicId, deliveryId }
  const base = baseFor(links.publicUrl, email.trackingDomain)
  let html = email.htmlBody
  if (html !== null && tracks) {
    const scanner = yield* HtmlScanner
    html = applyTracking(
      html,
      scanner.scan(html),
      {
        link: email.trackClicks
          ? (target) => clickUrl(base, ref, links.sign(signingInput("click", ref, target)), target)
          : undefined,
        pixel: email.trackOpens ? openUrl(base, ref, links.sign(signingInput("open", ref))) : undefined
      },
      trackableUrl
    )
  }
  if (!record.unsubscribeEnabled) return { html, text: email.textBody, headers: record.headers }
  // Mail sent for a topic signs the topic into its link, so one-click leaves that topic only.
  const topic = email.topicId ?? undefined
  const unsubscribe = unsubscribeUrl(
    base,
    ref,
    links.sign(signingInput("unsubscribe", ref, topic === undefined ? "" : String(topic))),
    topic
  )
  return {
    html: html === null ? null : fillUnsubscribeLink(html, unsubscribe, escapeAttribute),
    text: email.textBody === null ? null : fillUnsubscribeLink(email.textBody, unsubscribe),
    headers: { ...record.headers, ...listUnsubscribeHeaders(unsubscribe) }
  }
})
