import type { EmailDetailView } from "@poststack/contract"
import { useId, useState } from "react"
import { call } from "../api"
import { usePlace } from "../router"
import { useSession } from "../session"
import { ErrorMessage, formatDate, Link, Notice, PageTitle } from "../ui"
import { useLoad, usePolled } from "../useLoad"
import { EmailSchedule } from "./EmailSchedule"
import { EmailStatusBadge, isMoving, isScheduled } from "./EmailStatusBadge"
import { emailsListHref } from "./EmailsPage"
import { MailFrame } from "../MailFrame"
import { Recipients, Timeline } from "./EmailTimeline"

/** Where the page's address names the email: `/app/emails/<id>`. */
export const EMAIL_PATH = "/app/emails/"

/** How often an email on its way is read again. */
const REFRESH_MS = 2_000

const list = (addresses: ReadonlyArray<string>) => (addresses.length === 0 ? null : addresses.join(", "))

/** The envelope and the facts of the email, each row only when it has something to say. */
const Facts = ({ email, timeZone }: { readonly email: EmailDetailView; readonly timeZone: string }) => {
  const rows: ReadonlyArray<readonly [string, React.ReactNode]> = [
    ["From", email.fromName === null ? email.fromAddress : `${email.fromName} <${email.fromAddress}>`],
    ["To", list(email.toAddresses)],
    ["Cc", list(email.ccAddresses)],
    ["Bcc", list(email.bccAddresses)],
    ["Reply-To", list(email.replyTo)],
    ["Subject", email.subject === "" ? "(no subject)" : email.subject],
    [
      "Tags",
      email.tags.length === 0
        ? null
        : email.tags.map((t) => (
            <span key={t} className="badge tag">
              {t}
            </span>
          ))
    ],
    ["Created", formatDate(email.createdAt, timeZone)],
    ["Scheduled for", email.scheduledAt === null ? null : formatDate(email.scheduledAt, timeZone)],
    ["Sent", email.sentAt === null ? null : formatDate(email.sentAt, timeZone)],
    ["Mailbox provider", email.recipientProvider],
    ["Spam score", email.spamScore],
    ["Unsubscribe link", email.unsubscribeEnabled ? "yes" : null],
    ["Email id", <code key="id">{email.publicId}</code>],
    [
      "Message-ID",
      <code key="mid" className="wrap">
        {email.messageId}
      </code>
    ]
  ]
  return (
    <dl className="facts email-facts" aria-label="Details">
      {rows
        .filter(([, value]) => value !== null)
        .map(([label, value]) => (
          <div key={label} className="fact">
            <dt>{label}</dt>
            <dd>{value}</dd>
          </div>
        ))}
    </dl>
  )
}

/**
 * The HTML as the recipient's client would draw it, in a frame that may run no script, submit no
 * form and reach nothing of the dashboard (`sandbox=""`, no same origin); the dashboard's policy
 * also keeps it from loading anything remote. The text part is in the other tab.
 */
const Content = ({ email }: { readonly email: EmailDetailView }) => {
  const id = useId()
  const [tab, setTab] = useState<"html" | "text">(email.htmlBody === null ? "text" : "html")
  const tabs = [
    ["html", "HTML"],
    ["text", "Plain text"]
  ] as const
  return (
    <section className="card email-content" aria-label="Content">
      <div role="tablist" aria-label="Content as" className="tabs">
        {tabs.map(([value, label]) => (
          <button
            key={value}
            type="button"
            role="tab"
            id={`${id}-${value}`}
            aria-selected={tab === value}
            aria-controls={`${id}-panel`}
            onClick={() => setTab(value)}
          >
            {label}
          </button>
        ))}
      </div>
      <div role="tabpanel" id={`${id}-panel`} aria-labelledby={`${id}-${tab}`}>
        {tab === "html" ? (
          email.htmlBody === null ? (
            <p className="muted">This email has no HTML part.</p>
          ) : (
            <>
              <MailFrame title="Email HTML" html={email.htmlBody} />
              <p className="hint">Shown without scripts or remote images.</p>
            </>
          )
        ) : email.textBody === null ? (
          <p className="muted">No plain text was given: the text part is derived from the HTML when sent.</p>
        ) : (
          <pre className="email-text">{email.textBody}</pre>
        )}
      </div>
    </section>
  )
}

/** Advice about the email's content, from `GET /emails/:id/insights`. */
const Insights = ({ id }: { readonly id: string }) => {
  const insights = useLoad(() => call((api) => api.emailPreviews.insights({ path: { id } })))
  return (
    <section aria-label="Insights">
      <h2>Insights</h2>
      <ErrorMessage problem={insights.problem} />
      {insights.data === undefined ? null : insights.data.warnings.length === 0 ? (
        <p className="muted">Nothing to improve in this email's content.</p>
      ) : (
        <ul className="insights">
          {insights.data.warnings.map((w) => (
            <li key={w.code} className={`insight insight-${w.severity}`}>
              <span className={`badge ${w.severity === "warning" ? "badge-pending" : ""}`}>{w.severity}</span>{" "}
              {w.message}
            </li>
          ))}
        </ul>
      )}
    </section>
  )
}

/** The email's id in the page's path; a malformed escape (`%E0%A4%A`) is kept as typed, and not found. */
export const idOf = (path: string) => {
  const raw = path.slice(EMAIL_PATH.length)
  try {
    return decodeURIComponent(raw)
  } catch {
    return raw
  }
}

/** One email: its envelope, what happened at each recipient, its events, its content. */
export const EmailDetailPage = () => {
  const { info } = useSession()
  const tz = info.user.timeZone
  const place = usePlace()
  const id = idOf(place.path)
  const [notice, setNotice] = useState<string | undefined>()
  const [tick, setTick] = useState(0)

  // `tick` asks for a read after an action.
  const read = usePolled(
    () => call((api) => api.emails.get({ path: { id } })),
    (answer) => isMoving(answer.email),
    REFRESH_MS,
    [id, tick]
  )
  const email = read.data?.email
  const problem = read.problem

  const changed = async (text: string) => {
    setNotice(text)
    setTick((t) => t + 1)
  }

  return (
    <section className="email-detail">
      <p className="back">
        <Link href={emailsListHref()}>← All emails</Link>
      </p>
      {email === undefined ? (
        <>
          <PageTitle>Email</PageTitle>
          <ErrorMessage problem={problem} />
          {problem === undefined ? <p role="status">Loading…</p> : null}
        </>
      ) : (
        <>
          <div className="detail-head">
            <PageTitle>{email.subject === "" ? "(no subject)" : email.subject}</PageTitle>
            <span data-testid="email-status">
              <EmailStatusBadge email={email} />
            </span>
            {email.testMode ? <span className="badge badge-test">test</span> : null}
            <span className="spacer" />
            <button type="button" onClick={() => setTick((t) => t + 1)}>
              Refresh
            </button>
          </div>
          <p className="lead">
            To {email.toAddresses.join(", ")}
            {isScheduled(email) && email.scheduledAt !== null
              ? `, scheduled for ${formatDate(email.scheduledAt, tz)}`
              : email.sentAt === null
                ? ""
                : `, sent ${formatDate(email.sentAt, tz)}`}
            .
            {email.testMode
              ? " Sent with a test key: its delivery was simulated, nothing left the server."
              : ""}
          </p>
          <ErrorMessage problem={problem} />
          {notice === undefined ? null : <Notice>{notice}</Notice>}
          {email.status === "queued" ? (
            <EmailSchedule
              key={`${email.scheduledAt?.getTime()}`}
              email={email}
              timeZone={tz}
              onChanged={changed}
            />
          ) : null}
          <Facts email={email} timeZone={tz} />
          <h2>Recipients</h2>
          <Recipients email={email} timeZone={tz} />
          <h2>Events</h2>
          <Timeline events={email.events} timeZone={tz} />
          <h2>Content</h2>
          <Content email={email} />
          <Insights id={email.publicId} />
        </>
      )}
    </section>
  )
}
