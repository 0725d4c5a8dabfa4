/** Chat platforms a channel can post to. `web_push` is in the contract's enum but cannot be created. */
export const CHANNEL_TYPES = ["slack", "discord", "telegram"] as const
export type ChannelType = (typeof CHANNEL_TYPES)[number]

/** What a channel needs to post: secrets all (a webhook URL or bot token is a credential), sealed at rest. */
export type ChannelConfig =
  | { readonly type: "slack" | "discord"; readonly webhookUrl: string }
  | { readonly type: "telegram"; readonly botToken: string; readonly chatId: string }

/** A channel as its team sees it: never its secrets, only `configSummary`. */
export interface NotificationChannel {
  /** The row's number, which deliveries name as `channelId`. */
  readonly id: number
  readonly publicId: string
  readonly type: ChannelType
  readonly name: string
  readonly domainId: number | null
  readonly mailboxId: number | null
  readonly events: ReadonlyArray<string>
  readonly active: boolean
  readonly configSummary: Readonly<Record<string, string>>
  readonly consecutiveFailures: number
  readonly disabledAt: Date | null
  readonly disabledReason: string | null
  readonly lastUsedAt: Date | null
  readonly createdAt: Date
  readonly updatedAt: Date
}

const KEYS: Record<ChannelType, ReadonlyArray<string>> = {
  slack: ["webhookUrl"],
  discord: ["webhookUrl"],
  telegram: ["botToken", "chatId"]
}

// `<bot id>:<secret>`, as BotFather issues them.
const BOT_TOKEN = /^\d{1,20}:[A-Za-z0-9_-]{20,100}$/
// A numeric chat id (negative for groups and channels) or a public `@channelname`.
const CHAT_ID = /^(-?\d{1,20}|@[A-Za-z][A-Za-z0-9_]{3,64})$/

/**
 * The config a channel of `type` gets from `raw`, which may be a partial update merged over what
 * is stored. Every key must belong to the type; the URL itself is judged by the transport's rules.
 */
export const parseChannelConfig = (
  type: ChannelType,
  raw: Readonly<Record<string, string>>
): { readonly config: ChannelConfig } | { readonly error: string } => {
  const unknown = Object.keys(raw).find((k) => !KEYS[type].includes(k))
  if (unknown !== undefined)
    return { error: `config.${unknown} is not a ${type} setting (expected ${KEYS[type].join(", ")})` }
  const missing = KEYS[type].find((k) => (raw[k] ?? "").trim() === "")
  if (missing !== undefined) return { error: `config.${missing} is required for a ${type} channel` }
  if (type === "telegram") {
    const botToken = (raw.botToken ?? "").trim()
    const chatId = (raw.chatId ?? "").trim()
    if (!BOT_TOKEN.test(botToken)) return { error: "config.botToken must look like 123456789:AA…" }
    if (!CHAT_ID.test(chatId)) return { error: "config.chatId must be a numeric chat id or an @channel name" }
    return { config: { type, botToken, chatId } }
  }
  const webhookUrl = (raw.webhookUrl ?? "").trim()
  if (webhookUrl.length > 2048) return { error: "config.webhookUrl must be at most 2048 characters" }
  return { config: { type, webhookUrl } }
}

/** The config as stored keys, for merging an update over it. */
export const configEntries = (config: ChannelConfig): Record<string, string> =>
  config.type === "telegram"
    ? { botToken: config.botToken, chatId: config.chatId }
    : { webhookUrl: config.webhookUrl }

/** Shown instead of a secret: enough to tell two channels apart, never enough to use one. */
const maskUrl = (raw: string): string => {
  try {
    const url = new URL(raw)
    return `${url.protocol}//${url.host}/…${raw.slice(-4)}`
  } catch {
    return "…"
  }
}

/** What responses show of a config: the URL's host and last four characters, the bot's id, the chat. */
export const summarizeConfig = (config: ChannelConfig): Record<string, string> =>
  config.type === "telegram"
    ? { botToken: `${config.botToken.slice(0, config.botToken.indexOf(":"))}:…`, chatId: config.chatId }
    : { webhookUrl: maskUrl(config.webhookUrl) }

/** Events the docs list for channels; any other event name (or `*`) is accepted too. */
export const NOTIFICATION_EVENTS = [
  "inbound_email.received",
  "email.bounced",
  "email.complained",
  "email.suppressed",
  "webhook.disabled",
  "domain.verification_failed",
  "deliverability.degraded"
] as const
