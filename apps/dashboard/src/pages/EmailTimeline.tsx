import type { EmailDetailView, EmailEventView } from "@poststack/contract"
import { ListTable } from "../ListTable"
import { formatDate, formatMoment } from "../ui"
import { isScheduled, StatusBadge } from "./EmailStatusBadge"

const text = (value: unknown) => (typeof value === "string" && value !== "" ? value : undefined)
const dateText = (value: unknown, timeZone: string) => {
  const raw = text(value)
  const date = raw === undefined ? undefined : new Date(raw)
  return date === undefined || Number.isNaN(date.getTime()) ? undefined : formatDate(date, timeZone)
}

/**
 * An event's name as a person reads it: the API's `eventType`, except where its metadata says
 * more (a `queued` that is a schedule, a `failed` that is a cancellation or a suppression).
 */
export const eventLabel = (event: EmailEventView): string => {
  const m = event.metadata ?? {}
  if (event.eventType === "queued" && m.scheduled === true)
    return m.rescheduled === true ? "rescheduled" : "scheduled"
  if (event.eventType === "failed" && m.cancelled === true) return "cancelled"
  if (event.eventType === "failed" && m.suppressed === true) return "suppressed"
  return event.eventType
}

/** The recipient an event is about, when it is about one. */
const recipientOf = (event: EmailEventView) => text(event.metadata?.recipient)

/** Who read or clicked, as the tracking recorded it. */
const reader = (e: EmailEventView) =>
  [
    e.uaClientName,
    e.uaDeviceType,
    [e.geoCity, e.geoCountry].filter((p) => p !== null).join(", ") || null,
    e.isPrefetch ? "machine fetch (mail privacy protection or an image proxy), not a person" : null
  ]
    .filter((p) => p !== null && p !== "")
    .join(" · ")

/** What an event says beyond its name: the server's reply, a bounce's reason, a link clicked... */
export const eventDetail = (event: EmailEventView, timeZone: string): string => {
  const m = event.metadata ?? {}
  const reply = text(m.reply)
  switch (eventLabel(event)) {
    case "scheduled":
    case "rescheduled":
      return `For ${dateText(m.scheduled_at, timeZone) ?? "later"}`
    case "queued":
      return "Accepted for delivery"
    case "sent":
      return m.simulated === true
        ? "Simulated: sent with a test key, no mail server was contacted"
        : `Handed to ${text(m.mx) ?? "the recipient's mail server"}`
    case "delivered":
      return reply ?? "Accepted by the recipient's mail server"
    case "deferred": {
      const next = dateText(m.next_attempt_at, timeZone)
      return [reply, next === undefined ? undefined : `next try ${next}`].filter(Boolean).join(" · ")
    }
    case "bounced":
      return `${m.hard === false ? "Soft" : "Hard"} bounce: ${reply ?? text(m.reason) ?? "refused"}`
    case "soft_bounced":
      return `Soft bounce: ${reply ?? text(m.reason) ?? "refused for now"}`
    case "failed":
      return [text(m.reason), reply].filter(Boolean).join(": ") || "Could not be sent"
    case "suppressed":
      return `Not sent: the address is on the suppression list (${text(m.reason) ?? "suppressed"})`
    case "cancelled":
      return "Cancelled before it was sent"
    case "opened":
      return reader(event) || "Opened"
    case "clicked":
      return [text(m.url), reader(event)].filter(Boolean).join(" · ")
    case "complained":
      return `Marked as spam${text(m.feedback_type) === undefined ? "" : ` (${text(m.feedback_type)})`}`
    case "unsubscribed":
      return "Unsubscribed through the email's link"
    default:
      return ""
  }
}

/** Everything that happened to the email, oldest first. */
export const Timeline = ({
  events,
  timeZone
}: {
  readonly events: ReadonlyArray<EmailEventView>
  readonly timeZone: string
}) =>
  events.length === 0 ? (
    <p className="muted">No events yet.</p>
  ) : (
    <ol className="timeline" aria-label="Events">
      {events.map((e) => (
        <li key={e.id} data-event={eventLabel(e)}>
          <StatusBadge status={eventLabel(e)} />
          <time className="event-when" dateTime={e.createdAt.toISOString()}>
            {formatMoment(e.createdAt, timeZone)}
          </time>
          {recipientOf(e) === undefined ? null : <span className="event-recipient">{recipientOf(e)}</span>}
          <span className="event-detail">{eventDetail(e, timeZone)}</span>
        </li>
      ))}
    </ol>
  )

/** The events that move a copy's delivery; opens and clicks come after and do not change it. */
const DELIVERY = new Set(["sent", "delivered", "deferred", "bounced", "soft_bounced", "failed", "complained"])

export interface RecipientState {
  readonly address: string
  readonly kind: "To" | "Cc" | "Bcc"
  readonly status: string
  readonly detail: string
  readonly at: Date | undefined
  readonly opens: number
  readonly clicks: number
}

/** Each recipient's copy: the last delivery event naming it, and its opens and clicks. */
export const recipientStates = (email: EmailDetailView, timeZone: string): ReadonlyArray<RecipientState> => {
  const all = new Map<string, readonly [string, RecipientState["kind"]]>()
  const lists = [
    [email.toAddresses, "To"],
    [email.ccAddresses, "Cc"],
    [email.bccAddresses, "Bcc"]
  ] as const
  for (const [addresses, kind] of lists)
    for (const a of addresses) if (!all.has(a.toLowerCase())) all.set(a.toLowerCase(), [a, kind])
  const fallback =
    email.status === "cancelled" ? "cancelled" : isScheduled(email) ? "scheduled" : email.status
  return [...all.values()].map(([address, kind]) => {
    const mine = email.events.filter((e) => recipientOf(e)?.toLowerCase() === address.toLowerCase())
    const last = mine.filter((e) => DELIVERY.has(e.eventType)).at(-1)
    return {
      address,
      kind,
      status: last === undefined ? fallback : eventLabel(last),
      detail: last === undefined ? "" : eventDetail(last, timeZone),
      at: last?.createdAt,
      opens: mine.filter((e) => e.eventType === "opened").length,
      clicks: mine.filter((e) => e.eventType === "clicked").length
    }
  })
}

export const Recipients = ({
  email,
  timeZone
}: {
  readonly email: EmailDetailView
  readonly timeZone: string
}) => (
  <ListTable
    caption="Recipients"
    hiddenCaption
    columns={["Recipient", "As", "Status", "Server reply", "Opens", "Clicks", "When"]}
  >
    {recipientStates(email, timeZone).map((r) => (
      <tr key={r.address}>
        <th scope="row">{r.address}</th>
        <td>{r.kind}</td>
        <td>
          <StatusBadge status={r.status} />
        </td>
        <td className="details">{r.detail}</td>
        <td>{r.opens}</td>
        <td>{r.clicks}</td>
        <td className="when">{r.at === undefined ? "" : formatMoment(r.at, timeZone)}</td>
      </tr>
    ))}
  </ListTable>
)
