import type { InboundAttachmentView, InboundEmailView } from "@poststack/contract"
import { Fragment, useEffect, useRef, useState } from "react"
import { call } from "../api"
import { MailFrame } from "../MailFrame"
import { ListTable } from "../ListTable"
import { useSession } from "../session"
import { ErrorMessage, Link, PageTitle, formatDate, useAction, visibleText } from "../ui"
import { useLoad } from "../useLoad"
import { SpamBadge, senderText, spamScoreText } from "./InboundPage"

/** Headers worth a glance, in this order, when the message has them. */
const HEADERS_OF_INTEREST = [
  "date",
  "reply-to",
  "return-path",
  "sender",
  "in-reply-to",
  "references",
  "list-unsubscribe",
  "x-mailer",
  "user-agent"
] as const

const HEADER_NAMES: Record<string, string> = {
  date: "Date",
  "reply-to": "Reply-To",
  "return-path": "Return-Path",
  sender: "Sender",
  "in-reply-to": "In-Reply-To",
  references: "References",
  "list-unsubscribe": "List-Unsubscribe",
  "x-mailer": "X-Mailer",
  "user-agent": "User-Agent"
}

export const formatSize = (bytes: number) =>
  bytes < 1000
    ? `${bytes} byte${bytes === 1 ? "" : "s"}`
    : bytes < 1_000_000
      ? `${(bytes / 1000).toFixed(1)} kB`
      : `${(bytes / 1_000_000).toFixed(1)} MB`

/** An SPF, DKIM or DMARC result, coloured by what it means for trusting the sender. */
const AuthResult = ({ name, result }: { readonly name: string; readonly result: string }) => (
  <div>
    <dt>{name}</dt>
    <dd>
      <span
        className={`badge ${result === "pass" ? "badge-verified" : result === "fail" ? "badge-failed" : "badge-pending"}`}
      >
        {result}
      </span>
    </dd>
  </div>
)

const addressList = (list: InboundEmailView["toAddresses"]) =>
  visibleText(
    (list ?? [])
      .map((a) => (a.name === null || a.name === "" ? a.address : `${a.name} <${a.address}>`))
      .join(", ")
  )

/**
 * The message's body: its HTML in a frame that runs no script, submits no form, navigates nowhere
 * and is of no origin (`sandbox=""`), under the dashboard's own policy, so nothing remote loads
 * either; or its text as text.
 */
const Body = ({ email }: { readonly email: InboundEmailView }) => {
  const [view, setView] = useState<"html" | "text">(email.htmlBody === null ? "text" : "html")
  const hasBoth = email.htmlBody !== null && email.textBody !== null
  return (
    <section className="card" aria-labelledby="body-title">
      <div className="inbound-body-head">
        <h2 id="body-title">Message</h2>
        {hasBoth ? (
          <div className="inbound-toggle">
            <button type="button" aria-pressed={view === "html"} onClick={() => setView("html")}>
              HTML
            </button>
            <button type="button" aria-pressed={view === "text"} onClick={() => setView("text")}>
              Text
            </button>
          </div>
        ) : null}
      </div>
      {view === "html" && email.htmlBody !== null ? (
        <>
          <MailFrame title="Message body (HTML)" html={email.htmlBody} />
          <p className="hint">Shown safely: no scripts run, no remote images load and links do not open.</p>
        </>
      ) : email.textBody !== null ? (
        <pre className="inbound-text">{email.textBody}</pre>
      ) : (
        <p className="muted">This message has no body.</p>
      )}
    </section>
  )
}

const Attachments = ({
  emailId,
  attachments
}: {
  readonly emailId: number
  readonly attachments: ReadonlyArray<InboundAttachmentView>
}) =>
  attachments.length === 0 ? null : (
    <div className="inbound-stack">
      <ListTable
        caption={`${attachments.length} attachment${attachments.length === 1 ? "" : "s"}`}
        columns={["File", "Type", "Size"]}
        actions
      >
        {attachments.map((a) => (
          <tr key={a.id}>
            <td className="inbound-file">{visibleText(a.filename)}</td>
            <td>
              <code>{a.contentType}</code>
            </td>
            <td>{formatSize(a.size)}</td>
            <td className="row-actions">
              {/* Same origin: the session cookie goes along, and the server answers it as a download. */}
              <a
                className="button"
                href={`/inbound/${emailId}/attachments/${a.id}`}
                download={a.filename}
                aria-label={`Download ${visibleText(a.filename)}`}
              >
                Download
              </a>
            </td>
          </tr>
        ))}
      </ListTable>
    </div>
  )

/** One received message: who sent it to whom, how it authenticated, its body and attachments. */
export const InboundMessage = ({
  id,
  onDeleted
}: {
  readonly id: number
  readonly onDeleted: (notice: string) => void
}) => {
  const { info } = useSession()
  const loaded = useLoad(() =>
    Promise.all([
      call((api) => api.inbound.get({ path: { id } })),
      call((api) => api.inbound.attachments({ path: { id } }))
    ])
  )
  const [confirming, setConfirming] = useState(false)
  const acting = useAction()
  const cancelRef = useRef<HTMLButtonElement>(null)
  useEffect(() => {
    if (confirming) cancelRef.current?.focus()
  }, [confirming])
  const [got, listed] = loaded.data ?? []
  const email = got?.inboundEmail
  const subject =
    email?.subject === null || email?.subject === "" ? "(no subject)" : visibleText(email?.subject ?? "")
  const remove = () =>
    acting.run(async () => {
      await call((api) => api.inbound.delete({ path: { id } }))
      onDeleted(`The message “${subject}” was deleted.`)
    })
  const headers = email?.headers ?? {}
  const shownHeaders = HEADERS_OF_INTEREST.flatMap((name) =>
    headers[name] === undefined ? [] : [[HEADER_NAMES[name] ?? name, headers[name]] as const]
  )

  return (
    <section className="inbound-message">
      <p className="back">
        <Link href="/app/inbound">← Received mail</Link>
      </p>
      <PageTitle>{email === undefined ? "Received message" : subject}</PageTitle>
      <ErrorMessage problem={loaded.problem ?? acting.problem} />
      {email === undefined ? (
        loaded.problem === undefined ? (
          <p role="status">Loading…</p>
        ) : null
      ) : (
        <>
          <section className="card" aria-label="Envelope and headers">
            <dl className="facts inbound-facts">
              <dt>From</dt>
              <dd>{senderText(email)}</dd>
              <dt>To</dt>
              <dd>{email.toAddresses === null ? email.toAddress : addressList(email.toAddresses)}</dd>
              {email.ccAddresses === null || email.ccAddresses.length === 0 ? null : (
                <>
                  <dt>Cc</dt>
                  <dd>{addressList(email.ccAddresses)}</dd>
                </>
              )}
              <dt>Delivered to</dt>
              <dd>
                {email.toAddress}
                {email.mailboxHash === null ? null : (
                  <span className="hint"> (tag after +: {email.mailboxHash})</span>
                )}
              </dd>
              <dt>Received</dt>
              <dd>{formatDate(email.createdAt, info.user.timeZone)}</dd>
              {email.envelope === null ? null : (
                <>
                  <dt>MAIL FROM</dt>
                  <dd>
                    <code className="wrap">
                      {email.envelope.mailFrom === "" ? "<> (empty)" : email.envelope.mailFrom}
                    </code>
                  </dd>
                  <dt>RCPT TO</dt>
                  <dd>
                    <code className="wrap">{email.envelope.rcptTo.join(", ")}</code>
                  </dd>
                </>
              )}
              {email.messageId === null ? null : (
                <>
                  <dt>Message-ID</dt>
                  <dd>
                    <code className="wrap">{email.messageId}</code>
                  </dd>
                </>
              )}
              {shownHeaders.map(([name, value]) => (
                <Fragment key={name}>
                  <dt>{name}</dt>
                  <dd className="wrap-anywhere">{visibleText(value)}</dd>
                </Fragment>
              ))}
            </dl>
            <h3>Sender authentication</h3>
            <dl className="inbound-auth" aria-label="Sender authentication">
              <AuthResult name="SPF" result={email.authentication.spf} />
              <AuthResult name="DKIM" result={email.authentication.dkim} />
              <AuthResult name="DMARC" result={email.authentication.dmarc} />
              {email.spamVerdict === null ? null : (
                <div>
                  <dt>Spam check</dt>
                  <dd>
                    {email.spamVerdict === "spam" ? (
                      <SpamBadge email={email} />
                    ) : (
                      <>
                        <span className="badge badge-verified">Clean</span>{" "}
                        <span className="hint">score {spamScoreText(email.spamScore)}</span>
                      </>
                    )}
                  </dd>
                </div>
              )}
            </dl>
            {Object.keys(headers).length === 0 ? null : (
              <details className="inbound-headers">
                <summary>All headers ({Object.keys(headers).length})</summary>
                <table>
                  <caption className="visually-hidden">All headers</caption>
                  <tbody>
                    {Object.entries(headers).map(([name, value]) => (
                      <tr key={name}>
                        <th scope="row">
                          <code>{name}</code>
                        </th>
                        <td className="wrap-anywhere">{visibleText(value)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </details>
            )}
          </section>
          <Body email={email} />
          <Attachments emailId={email.id} attachments={listed?.attachments ?? []} />
          <div className="actions inbound-actions">
            <button type="button" className="danger" onClick={() => setConfirming(true)}>
              Delete message…
            </button>
          </div>
          {confirming ? (
            <div role="alertdialog" aria-labelledby="delete-title" className="confirm">
              <h2 id="delete-title">Delete “{subject}”?</h2>
              <p>
                This copy (to {email.toAddress}) and its attachments are deleted for good. Copies for other
                recipients stay.
              </p>
              <button type="button" className="danger" onClick={() => void remove()}>
                Delete for good
              </button>{" "}
              <button type="button" ref={cancelRef} onClick={() => setConfirming(false)}>
                Cancel
              </button>
            </div>
          ) : null}
        </>
      )}
    </section>
  )
}
