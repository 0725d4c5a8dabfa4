import type { EmailView } from "@poststack/contract"

/** An email still waiting for its send time: the API says `queued`, with `scheduledAt` ahead. */
export const isScheduled = (email: Pick<EmailView, "status" | "scheduledAt">, now = Date.now()) =>
  email.status === "queued" && email.scheduledAt !== null && email.scheduledAt.getTime() > now

/** Mail that will change status on its own soon: accepted and not yet tried, or being sent. */
export const isMoving = (email: Pick<EmailView, "status" | "scheduledAt">) =>
  (email.status === "queued" && !isScheduled(email)) || email.status === "sending"

const TONE: Record<string, string> = {
  scheduled: "badge-current",
  rescheduled: "badge-current",
  queued: "badge-pending",
  sending: "badge-current",
  deferred: "badge-pending",
  delivered: "badge-live",
  bounced: "badge-failed",
  soft_bounced: "badge-pending",
  complained: "badge-failed",
  failed: "badge-failed",
  cancelled: "badge-cancelled",
  suppressed: "badge-failed",
  opened: "badge-current",
  clicked: "badge-current",
  unsubscribed: "badge-pending",
  sent: "badge-current"
}

const MEANING: Record<string, string> = {
  scheduled: "Waiting for its send time",
  queued: "Accepted, waiting for a mail server to take it",
  sending: "Being handed to the recipients' mail servers",
  deferred: "A server asked to try later: retrying",
  delivered: "Accepted by the recipients' mail servers",
  bounced: "Refused by a recipient's mail server",
  complained: "A recipient marked it as spam",
  failed: "Could not be sent",
  cancelled: "Cancelled before it was sent"
}

/** A status (of an email, a recipient or an event) as a coloured badge whose title says what it means. */
export const StatusBadge = ({ status }: { readonly status: string }) => (
  <span className={`badge ${TONE[status] ?? ""}`} title={MEANING[status]}>
    {status.replace("_", " ")}
  </span>
)

/** The email's status; a scheduled email reads "scheduled" rather than the API's `queued`. */
export const EmailStatusBadge = ({
  email
}: {
  readonly email: Pick<EmailView, "status" | "scheduledAt">
}) => <StatusBadge status={isScheduled(email) ? "scheduled" : email.status} />
