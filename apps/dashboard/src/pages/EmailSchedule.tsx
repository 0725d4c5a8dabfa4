import type { EmailDetailView } from "@poststack/contract"
import { type FormEvent, useEffect, useId, useRef, useState } from "react"
import { ApiProblem, call } from "../api"
import { ErrorMessage, formatDate, useAction } from "../ui"
import { wallTime, zonedTime } from "../zonedDay"
import { isScheduled } from "./EmailStatusBadge"

type Asking = { readonly what: "reschedule"; readonly at: Date } | { readonly what: "cancel" }

/** A question asked before an action that changes what is sent; its first button takes focus. */
const Confirm = ({
  title,
  children,
  yes,
  no,
  onYes,
  onNo
}: {
  readonly title: string
  readonly children: React.ReactNode
  readonly yes: string
  readonly no: string
  readonly onYes: () => void
  readonly onNo: () => void
}) => {
  const id = useId()
  const first = useRef<HTMLButtonElement>(null)
  useEffect(() => {
    first.current?.focus()
  }, [])
  return (
    <div role="alertdialog" aria-labelledby={id} className="confirm">
      <h3 id={id}>{title}</h3>
      {children}
      <div className="actions">
        <button type="button" className="primary" ref={first} onClick={onYes}>
          {yes}
        </button>
        <button type="button" onClick={onNo}>
          {no}
        </button>
      </div>
    </div>
  )
}

/**
 * Moving or cancelling an email not sent yet, each confirmed first. The send time is typed in the
 * person's time zone, as every date here is shown. The server has the last word (a copy a worker
 * has just taken can no longer be moved or cancelled), and its refusal is shown as it comes.
 */
export const EmailSchedule = ({
  email,
  timeZone,
  onChanged
}: {
  readonly email: EmailDetailView
  readonly timeZone: string
  readonly onChanged: (notice: string) => Promise<void>
}) => {
  const fieldId = useId()
  const scheduled = isScheduled(email)
  const [when, setWhen] = useState(() => wallTime(email.scheduledAt ?? new Date(), timeZone))
  const [asking, setAsking] = useState<Asking | undefined>()
  const [invalid, setInvalid] = useState<ApiProblem | undefined>()
  const acting = useAction()
  const count = email.toAddresses.length + email.ccAddresses.length + email.bccAddresses.length

  const ask = (event: FormEvent) => {
    event.preventDefault()
    const at = zonedTime(when, timeZone)
    setInvalid(
      at === undefined ? new ApiProblem("invalid_request", "Choose a day and a time.", undefined) : undefined
    )
    if (at !== undefined) setAsking({ what: "reschedule", at })
  }
  const confirmed = () => {
    const question = asking
    setAsking(undefined)
    if (question === undefined) return
    void acting.run(async () => {
      if (question.what === "reschedule") {
        await call((api) =>
          api.emails.reschedule({ path: { id: email.publicId }, payload: { scheduledAt: question.at } })
        )
        await onChanged(`Rescheduled for ${formatDate(question.at, timeZone)}.`)
      } else {
        await call((api) => api.emails.cancel({ path: { id: email.publicId } }))
        await onChanged("Cancelled: this email will not be sent.")
      }
    })
  }

  return (
    <section className="card schedule" aria-label="Schedule">
      <h2>{scheduled ? "Scheduled" : "Not sent yet"}</h2>
      <p>
        {scheduled && email.scheduledAt !== null
          ? `Goes out ${formatDate(email.scheduledAt, timeZone)}. Until then you may move it or cancel it.`
          : "It waits for a mail server to take it: it may still be cancelled for a moment."}
      </p>
      <ErrorMessage problem={invalid ?? acting.problem} />
      <div className="schedule-actions">
        {scheduled ? (
          <form className="reschedule" aria-label="Reschedule" onSubmit={ask}>
            <div className="field">
              <label htmlFor={fieldId}>New send time ({timeZone})</label>
              <input
                id={fieldId}
                name="scheduled-at"
                type="datetime-local"
                required
                value={when}
                onChange={(event) => setWhen(event.target.value)}
              />
            </div>
            <button type="submit" className="primary">
              Reschedule…
            </button>
          </form>
        ) : null}
        <button type="button" className="danger" onClick={() => setAsking({ what: "cancel" })}>
          Cancel email…
        </button>
      </div>
      {asking?.what === "reschedule" ? (
        <Confirm
          title={`Send it ${formatDate(asking.at, timeZone)} instead?`}
          yes="Yes, reschedule"
          no="Keep the current time"
          onYes={confirmed}
          onNo={() => setAsking(undefined)}
        >
          <p>
            {asking.at.getTime() <= Date.now()
              ? "That time has passed: the email goes out now."
              : "Nothing is sent before then."}
          </p>
        </Confirm>
      ) : asking?.what === "cancel" ? (
        <Confirm
          title="Cancel this email?"
          yes="Yes, cancel it"
          no="Keep it"
          onYes={confirmed}
          onNo={() => setAsking(undefined)}
        >
          <p>
            It will not be sent to its {count === 1 ? "recipient" : `${count} recipients`}. This cannot be
            undone: to send it later, send it again.
          </p>
        </Confirm>
      ) : null}
    </section>
  )
}
