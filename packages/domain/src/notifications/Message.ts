import { Either } from "effect"
import type { EmailWebhookEvent } from "../events/EmailEvents.js"
import { decodeWebhookEvent, type WebhookEvent } from "../events/WebhookEvent.js"
import type { WebhookAttemptOutcome } from "../webhooks/Retry.js"
import type { ChannelConfig } from "./NotificationChannel.js"

/** An event put into words for people: a title and labelled lines, the same for every platform. */
export interface NotificationMessage {
  readonly title: string
  readonly fields: ReadonlyArray<{ readonly label: string; readonly value: string }>
  readonly eventType: string
  readonly timestamp: Date
  /** Good news (green), a warning (amber) or trouble (red). */
  readonly tone: "good" | "warning" | "danger"
}

const TITLES: Record<string, readonly [string, NotificationMessage["tone"]]> = {
  "email.bounced": ["Email bounced", "danger"],
  "email.complained": ["Spam complaint", "danger"],
  "email.suppressed": ["Recipient suppressed", "warning"],
  "email.failed": ["Email failed", "danger"],
  "email.deferred": ["Email deferred", "warning"],
  "email.delivered": ["Email delivered", "good"],
  "inbound_email.received": ["New inbound email", "good"],
  "email.inbound": ["New inbound email", "good"],
  "webhook.disabled": ["Webhook disabled", "danger"],
  "notification_channel.disabled": ["Notification channel disabled", "danger"],
  "domain.verification_failed": ["Domain verification failed", "danger"],
  "domain.verified": ["Domain verified", "good"],
  "deliverability.degraded": ["Deliverability degraded", "warning"],
  "notification_channel.test": ["Test notification from PostStack", "good"]
}

type Line = readonly [label: string, value: unknown]

/** The lines each event shows, read from its typed data (the compiler checks every key). */
const typedLines = (event: WebhookEvent): ReadonlyArray<Line> => {
  switch (event.type) {
    case "inbound_email.received":
    case "email.inbound":
      return [
        ["From", event.data.from],
        ["To", event.data.to],
        ["Subject", event.data.subject]
      ]
    case "domain.verified":
    case "domain.verification_failed":
      return [
        ["Domain", event.data.name],
        ["Status", event.data.status]
      ]
    case "webhook.disabled":
      return [
        ["Reason", event.data.reason],
        ["Webhook", event.data.url]
      ]
    case "notification_channel.disabled":
      return [
        ["Name", event.data.name],
        ["Reason", event.data.reason],
        ["Channel", event.data.channel_id]
      ]
    case "webhook.test":
      return [["Message", event.data.message]]
    case "notification_channel.test":
      return [
        ["Message", event.data.message],
        ["Channel", event.data.channel_id]
      ]
    case "contact.created":
    case "contact.updated":
    case "contact.deleted":
    case "contact.unsubscribed":
      return [
        ["Contact", event.data.email],
        ["Unsubscribed", event.data.unsubscribed ? "yes" : "no"],
        ["Id", event.data.contact_id]
      ]
    case "workflow.run.started":
    case "workflow.run.completed":
    case "workflow.run.failed":
      return [
        ["Workflow", event.data.workflow_id],
        ["Contact", event.data.contact_id],
        ["Node", event.data.node_id],
        ["Reason", event.data.reason]
      ]
    case "workflow.webhook":
      return [
        ["Workflow", event.data.workflow_id],
        ["Node", event.data.node_id],
        ["Contact", event.data.contact.email]
      ]
    default:
      return [
        ["Recipient", "recipient" in event.data ? event.data.recipient : undefined],
        ["From", event.data.from],
        ["To", event.data.to],
        ["Subject", event.data.subject],
        ["Reason", emailReason(event)],
        ["Email", event.data.email_id]
      ]
  }
}

/** Why an email did not (yet) arrive, where its event says. */
const emailReason = (event: EmailWebhookEvent): string | null | undefined => {
  switch (event.type) {
    case "email.suppressed":
    case "email.failed":
      return event.data.reason
    case "email.bounced":
      return event.data.diagnostic ?? event.data.reply
    case "email.soft_bounced":
      return event.data.diagnostic
    case "email.deferred":
      return event.data.reply
    default:
      return undefined
  }
}

// For an event outside the union (none is sent today): which keys become lines, the first present
// giving the value.
const UNTYPED_LINES: ReadonlyArray<readonly [string, ReadonlyArray<string>]> = [
  ["Message", ["message"]],
  ["Recipient", ["recipient"]],
  ["From", ["from"]],
  ["To", ["to"]],
  ["Subject", ["subject"]],
  ["Reason", ["reason", "diagnostic", "reply"]],
  ["Email", ["email_id"]]
]

const MAX_VALUE = 300

const text = (value: unknown): string | undefined => {
  if (typeof value === "string") return value.trim() === "" ? undefined : value
  if (typeof value === "number" || typeof value === "boolean") return String(value)
  if (Array.isArray(value)) {
    const parts = value.filter((v) => typeof v === "string" || typeof v === "number").map(String)
    return parts.length === 0 ? undefined : parts.join(", ")
  }
  return undefined
}

const cut = (s: string, max: number) => (s.length > max ? `${s.slice(0, max - 1)}…` : s)

/**
 * The message for an event: its lines come from the typed event; an event the union does not
 * read (an unknown type, or data of another shape) falls back to well-known keys, and an unknown
 * type gets its name as the title.
 */
export const notificationMessage = (event: {
  readonly type: string
  readonly timestamp: Date
  readonly data: Readonly<Record<string, unknown>>
}): NotificationMessage => {
  const [title, tone] = TITLES[event.type] ?? [event.type, "warning" as const]
  const typed = decodeWebhookEvent({ type: event.type, data: event.data })
  const lines = Either.isRight(typed)
    ? typedLines(typed.right)
    : UNTYPED_LINES.map(
        ([label, keys]): Line => [label, keys.map((k) => event.data[k]).find((v) => text(v) !== undefined)]
      )
  const fields = lines.flatMap(([label, raw]) => {
    const value = text(raw)
    return value === undefined ? [] : [{ label, value: cut(value, MAX_VALUE) }]
  })
  return { title, fields, eventType: event.type, timestamp: event.timestamp, tone }
}

// Slack's mrkdwn and Telegram's HTML read `<`, `>` and `&` as markup: escaped, a subject cannot
// inject a link, a mention or formatting.
const escapeMarkup = (s: string) => s.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;")

/** A Slack incoming-webhook body: a `text` fallback and the same lines as blocks. */
export const slackBody = (m: NotificationMessage): string => {
  const lines = m.fields.map((f) => `*${escapeMarkup(f.label)}:* ${escapeMarkup(f.value)}`)
  const fallback = [`*${escapeMarkup(m.title)}*`, ...lines].join("\n")
  return JSON.stringify({
    text: fallback,
    blocks: [
      { type: "header", text: { type: "plain_text", text: cut(m.title, 150) } },
      ...(lines.length === 0
        ? []
        : [{ type: "section", text: { type: "mrkdwn", text: cut(lines.join("\n"), 3000) } }]),
      {
        type: "context",
        elements: [{ type: "mrkdwn", text: `${escapeMarkup(m.eventType)} · ${m.timestamp.toISOString()}` }]
      }
    ]
  })
}

const DISCORD_COLORS = { good: 0x2eb67d, warning: 0xecb22e, danger: 0xe01e5a } as const

/**
 * A Discord webhook body: one embed. `allowed_mentions` is empty, so an `@everyone` in a subject
 * pings no one.
 */
export const discordBody = (m: NotificationMessage): string =>
  JSON.stringify({
    username: "PostStack",
    allowed_mentions: { parse: [] },
    embeds: [
      {
        title: cut(m.title, 256),
        color: DISCORD_COLORS[m.tone],
        fields: m.fields.slice(0, 25).map((f) => ({ name: cut(f.label, 256), value: cut(f.value, 1024) })),
        footer: { text: m.eventType },
        timestamp: m.timestamp.toISOString()
      }
    ]
  })

/** A Telegram Bot API `sendMessage` body, in its HTML parse mode. */
export const telegramBody = (m: NotificationMessage, chatId: string): string =>
  JSON.stringify({
    chat_id: chatId,
    parse_mode: "HTML",
    disable_web_page_preview: true,
    text: cut(
      [
        `<b>${escapeMarkup(m.title)}</b>`,
        ...m.fields.map((f) => `<b>${escapeMarkup(f.label)}:</b> ${escapeMarkup(f.value)}`),
        `<i>${escapeMarkup(m.eventType)} · ${m.timestamp.toISOString()}</i>`
      ].join("\n"),
      4096
    )
  })

/** Where a channel posts and what: the webhook URL, or `<api>/bot<token>/sendMessage`. */
export const platformRequest = (
  config: ChannelConfig,
  message: NotificationMessage,
  telegramApiUrl: string
): { readonly url: string; readonly body: string } => {
  switch (config.type) {
    case "slack":
      return { url: config.webhookUrl, body: slackBody(message) }
    case "discord":
      return { url: config.webhookUrl, body: discordBody(message) }
    case "telegram":
      return {
        url: `${telegramApiUrl.replace(/\/+$/, "")}/bot${config.botToken}/sendMessage`,
        body: telegramBody(message, config.chatId)
      }
  }
}

/**
 * The platform's answer read as a webhook attempt: Telegram tells how long to wait in its JSON body
 * (`parameters.retry_after`) rather than a header, so that becomes the `Retry-After` the retry rules
 * honour. Everything else (2xx delivered, 410 gone, backoff) is the webhook rules unchanged.
 */
export const platformOutcome = (
  type: ChannelConfig["type"],
  outcome: WebhookAttemptOutcome
): WebhookAttemptOutcome => {
  if (type !== "telegram" || outcome._tag !== "Responded" || outcome.status !== 429) return outcome
  if (outcome.retryAfter !== undefined) return outcome
  try {
    const seconds = (JSON.parse(outcome.body) as { parameters?: { retry_after?: unknown } }).parameters
      ?.retry_after
    return typeof seconds === "number" && Number.isInteger(seconds) && seconds >= 0
      ? { ...outcome, retryAfter: String(seconds) }
      : outcome
  } catch {
    return outcome
  }
}
