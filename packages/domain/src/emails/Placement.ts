/** Where a refusal or deferral came from, so the sender knows whether it is theirs to fix. */
export type SignalBucket =
  | "throttled"
  | "reputation_block"
  | "authentication"
  | "content"
  | "policy"
  | "recipient"
  | "infrastructure"
  | "unknown"

export type SignalOwnership = "sender" | "recipient" | "unknown"

const RULES: ReadonlyArray<readonly [SignalBucket, RegExp]> = [
  ["authentication", /\b5\.7\.2[3-7]\b|\bspf\b|\bdkim\b|\bdmarc\b|authenticat/i],
  ["reputation_block", /reputation|blocklist|blacklist|\bblocked\b|\blisted\b|spamhaus|\brbl\b/i],
  [
    "throttled",
    /\b4\.7\.[0-9]+\b.*(rate|too many|throttl|later)|rate limit|too many|throttl|greylist|try again later/i
  ],
  ["content", /content|spam|virus|malware|message rejected/i],
  [
    "recipient",
    /\b5\.1\.[0-9]+\b|\b5\.2\.[12]\b|no such user|user unknown|mailbox (unavailable|full|not found)|does not exist|accepts no mail/i
  ],
  ["policy", /\b5\.7\.[0-9]+\b|policy|not allowed|relay/i],
  ["infrastructure", /\b4\.4\.[0-9]+\b|connect|timed? ?out|lookup|unreachable/i]
]

export const classifySignal = (reply: string): SignalBucket =>
  RULES.find(([, re]) => re.test(reply))?.[0] ?? "unknown"

export const ownershipOf = (bucket: SignalBucket): SignalOwnership =>
  bucket === "recipient"
    ? "recipient"
    : bucket === "infrastructure" || bucket === "unknown"
      ? "unknown"
      : "sender"

/**
 * Mailbox providers by the domains of their addresses. The patterns are also valid PostgreSQL
 * regular expressions, so a store can filter by provider with the same table.
 */
export const MAILBOX_PROVIDERS: ReadonlyArray<{ readonly name: string; readonly domains: RegExp }> = [
  { name: "gmail", domains: /^(gmail|googlemail)\.com$/ },
  { name: "outlook", domains: /^(outlook|hotmail|live|msn)\.[a-z.]+$/ },
  { name: "yahoo", domains: /^(yahoo|ymail|rocketmail)\.[a-z.]+$/ },
  { name: "icloud", domains: /^(icloud|me|mac)\.com$/ },
  { name: "gmx", domains: /^(gmx|web)\.(de|net|com)$/ }
]

/** The mailbox provider a recipient domain belongs to (`null` for any other domain). */
export const knownProviderOf = (domain: string): string | null => {
  const d = domain.toLowerCase()
  return MAILBOX_PROVIDERS.find((p) => p.domains.test(d))?.name ?? null
}

/** The mailbox provider a recipient domain belongs to, for per-provider placement figures. */
export const providerOf = (domain: string): string => knownProviderOf(domain) ?? "other"

export const enhancedCode = (reply: string): string | null =>
  /\b([245]\.\d{1,3}\.\d{1,3})\b/.exec(reply)?.[1] ?? null

/** One recipient's delivery, as placement reads it. */
export interface PlacementRow {
  readonly recipientDomain: string
  readonly status: string
  readonly complained: boolean
  readonly lastReply: string | null
  readonly at: Date
}

export interface PlacementSignal {
  readonly bucket: SignalBucket
  readonly ownership: SignalOwnership
  readonly provider: string
  readonly code: string | null
  readonly message: string | null
  readonly messages: number
  readonly lastSeenAt: Date
}

interface Counts {
  sent: number
  accepted: number
  deferred: number
  bounced: number
  complained: number
}

const rate = (part: number, whole: number) =>
  whole === 0 ? null : Math.round((part / whole) * 10_000) / 10_000

/** Inbox placement over a window: totals, per-provider figures and the signals behind refusals. */
export const placementOf = (windowDays: number, rows: ReadonlyArray<PlacementRow>) => {
  const empty = (): Counts => ({ sent: 0, accepted: 0, deferred: 0, bounced: 0, complained: 0 })
  const totals = empty()
  const providers = new Map<string, Counts>()
  const signals = new Map<string, PlacementSignal>()
  for (const row of rows) {
    const provider = providerOf(row.recipientDomain)
    const counts = providers.get(provider) ?? empty()
    providers.set(provider, counts)
    for (const c of [totals, counts]) {
      c.sent++
      if (row.status === "delivered") c.accepted++
      if (row.status === "deferred" || row.status === "failed") c.deferred++
      if (row.status === "bounced") c.bounced++
      if (row.complained) c.complained++
    }
    if (row.lastReply !== null && row.status !== "delivered") {
      const bucket = classifySignal(row.lastReply)
      const key = `${bucket}|${provider}|${enhancedCode(row.lastReply)}`
      const seen = signals.get(key)
      signals.set(key, {
        bucket,
        ownership: ownershipOf(bucket),
        provider,
        code: enhancedCode(row.lastReply),
        message: (seen?.message ?? row.lastReply).slice(0, 200),
        messages: (seen?.messages ?? 0) + 1,
        lastSeenAt: seen !== undefined && seen.lastSeenAt > row.at ? seen.lastSeenAt : row.at
      })
    }
  }
  const all = [...signals.values()].sort((a, b) => b.messages - a.messages)
  return {
    windowDays,
    totals: {
      ...totals,
      acceptanceRate: rate(totals.accepted, totals.sent),
      complaintRate: rate(totals.complained, totals.accepted),
      avgSpamScore: null
    },
    senderSignals: all.filter((s) => s.ownership === "sender"),
    recipientSignals: all.filter((s) => s.ownership !== "sender"),
    providers: [...providers].map(([provider, c]) => ({
      provider,
      ...c,
      acceptanceRate: rate(c.accepted, c.sent)
    }))
  }
}
