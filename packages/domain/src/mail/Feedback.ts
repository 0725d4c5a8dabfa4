/** The delivery a VERP return path names: `b<deliveryId>.<digest>`. */
export interface VerpAddress {
  readonly deliveryId: number
  readonly digest: string
}

export const parseVerp = (localPart: string): VerpAddress | undefined => {
  const match = /^b(\d{1,18})\.([0-9a-f]{12})$/i.exec(localPart)
  if (match === null) return undefined
  return { deliveryId: Number(match[1]), digest: (match[2] ?? "").toLowerCase() }
}

/**
 * Groups of `Name: value` fields separated by blank lines, as in a message/delivery-status or a
 * message/feedback-report part. Names are lower-cased; continuation lines are joined.
 */
export const parseFieldGroups = (text: string): ReadonlyArray<ReadonlyMap<string, string>> => {
  const groups: Array<Map<string, string>> = []
  let current = new Map<string, string>()
  let last: string | undefined
  for (const line of text.split(/\r?\n/)) {
    if (line.trim() === "") {
      if (current.size > 0) groups.push(current)
      current = new Map()
      last = undefined
      continue
    }
    if (/^[ \t]/.test(line) && last !== undefined) {
      current.set(last, `${current.get(last) ?? ""} ${line.trim()}`)
      continue
    }
    const colon = line.indexOf(":")
    if (colon <= 0) continue
    last = line.slice(0, colon).trim().toLowerCase()
    if (!current.has(last)) current.set(last, line.slice(colon + 1).trim())
  }
  if (current.size > 0) groups.push(current)
  return groups
}

/** `rfc822; alice@example.com` → `alice@example.com`. */
const typedAddress = (value: string | undefined): string | null => {
  if (value === undefined) return null
  const semi = value.indexOf(";")
  const address = (semi === -1 ? value : value.slice(semi + 1)).trim().replace(/^<|>$/g, "")
  return address === "" ? null : address
}

export type BounceKind = "hard" | "soft"

/** What one recipient's part of a DSN says. */
export interface DsnRecipient {
  readonly recipient: string | null
  readonly action: string
  readonly status: string
  readonly kind: BounceKind | null
  readonly diagnostic: string | null
}

/** RFC 3463: class 5 is permanent, class 4 transient; 2 (delivered, relayed, expanded) is no bounce. */
export const classifyStatus = (status: string): BounceKind | null => {
  const match = /^([245])\.\d{1,3}\.\d{1,3}$/.exec(status.trim())
  if (match === null) return null
  return match[1] === "5" ? "hard" : match[1] === "4" ? "soft" : null
}

/** The per-recipient groups of a message/delivery-status part (RFC 3464); the first group is the message's. */
export const parseDeliveryStatus = (text: string): ReadonlyArray<DsnRecipient> =>
  parseFieldGroups(text)
    .slice(1)
    .flatMap((group) => {
      const action = (group.get("action") ?? "").toLowerCase()
      const status = (group.get("status") ?? "").split(/\s/)[0] ?? ""
      if (action === "" && status === "") return []
      const byStatus = classifyStatus(status)
      // A failed action with an unusable status still means the message did not arrive: treat it as permanent.
      const kind = byStatus ?? (action === "failed" ? "hard" : action === "delayed" ? "soft" : null)
      return [
        {
          recipient: typedAddress(group.get("final-recipient") ?? group.get("original-recipient")),
          action,
          status,
          kind,
          diagnostic: group.get("diagnostic-code") ?? null
        }
      ]
    })

/** What an ARF feedback report (RFC 5965) says. */
export interface ComplaintReport {
  readonly feedbackType: string
  readonly userAgent: string | null
  readonly originalRcptTo: string | null
  readonly originalMailFrom: string | null
  readonly arrivalDate: string | null
}

export const parseFeedbackReport = (text: string): ComplaintReport | undefined => {
  const fields = parseFieldGroups(text)[0]
  const feedbackType = fields?.get("feedback-type")
  if (fields === undefined || feedbackType === undefined) return undefined
  return {
    feedbackType: feedbackType.toLowerCase(),
    userAgent: fields.get("user-agent") ?? null,
    originalRcptTo: typedAddress(fields.get("original-rcpt-to")),
    originalMailFrom: typedAddress(fields.get("original-mail-from")),
    arrivalDate: fields.get("arrival-date") ?? fields.get("received-date") ?? null
  }
}

/** Feedback types that mean the recipient does not want the mail (others, such as `virus`, are reports only). */
export const isComplaint = (report: ComplaintReport): boolean =>
  report.feedbackType === "abuse" || report.feedbackType === "fraud" || report.feedbackType === "other"
