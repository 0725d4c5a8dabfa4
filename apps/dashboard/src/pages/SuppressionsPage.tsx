import type { SuppressionView } from "@poststack/contract"
import { SuppressionReason } from "@poststack/domain"
import { useEffect, useRef, useState } from "react"
import { call } from "../api"
import { ListTable } from "../ListTable"
import { useSession } from "../session"
import { ErrorMessage, Field, Form, Notice, PageTitle, Select, formatDate, useAction } from "../ui"
import { Pager } from "./LogPages"

const PER_PAGE = 25

/** Each reason in words, with what put the address there. */
export const REASONS: Record<SuppressionReason, string> = {
  hard_bounce: "Hard bounce",
  complaint: "Spam complaint",
  unsubscribe: "Unsubscribed",
  manual: "Added by hand"
}

/** Why the address is listed, and what to weigh before taking it off. */
const WHY: Record<SuppressionReason, string> = {
  hard_bounce:
    "It was listed because the receiving server said the address does not exist: sending to it again can hurt your domains' reputation.",
  complaint:
    "It was listed because the recipient marked a message as spam: sending to it again can hurt your domains' reputation.",
  unsubscribe:
    "It was listed because the recipient unsubscribed: remove it only if they asked to hear from you again.",
  manual: "It was added by hand."
}

interface Query {
  readonly search: string
  readonly reason: SuppressionReason | ""
  readonly page: number
}

const load = (q: Query) =>
  call((api) =>
    api.suppressions.list({
      urlParams: {
        page: q.page,
        perPage: PER_PAGE,
        ...(q.search.trim() === "" ? {} : { search: q.search.trim() }),
        ...(q.reason === "" ? {} : { reason: q.reason })
      }
    })
  )

/** Asks before an address leaves the list, saying what that means. */
const ConfirmRemove = ({
  entry,
  onRemove,
  onCancel
}: {
  readonly entry: SuppressionView
  readonly onRemove: () => void
  readonly onCancel: () => void
}) => {
  const cancel = useRef<HTMLButtonElement>(null)
  useEffect(() => {
    cancel.current?.focus()
  }, [])
  return (
    <div
      role="alertdialog"
      aria-labelledby="remove-title"
      aria-describedby="remove-warning"
      className="confirm"
    >
      <h2 id="remove-title">Remove {entry.email} from the list?</h2>
      <p id="remove-warning">
        Mail will go to this address again: the list will no longer stop sends to it from the API, SMTP,
        broadcasts or workflows. {WHY[entry.reason]}
      </p>
      <button type="button" className="danger" onClick={onRemove}>
        Remove and allow mail
      </button>{" "}
      <button type="button" ref={cancel} onClick={onCancel}>
        Cancel
      </button>
    </div>
  )
}

/** The team's suppression list: who no mail goes to, and why; add by hand, remove after a warning. */
export const SuppressionsPage = () => {
  const { info } = useSession()
  const [search, setSearch] = useState("")
  const [reason, setReason] = useState<SuppressionReason | "">("")
  const [query, setQuery] = useState<Query>({ search: "", reason: "", page: 1 })
  const [data, setData] = useState<Awaited<ReturnType<typeof load>> | undefined>()
  const [shown, setShown] = useState<Query>(query)
  const [adding, setAdding] = useState({ email: "", reason: "manual" as SuppressionReason })
  const [confirming, setConfirming] = useState<SuppressionView | undefined>()
  const [notice, setNotice] = useState<string | undefined>()
  const acting = useAction()

  const refresh = (next: Query) =>
    acting.run(async () => {
      setQuery(next)
      const answer = await load(next)
      setShown(next)
      setData(answer)
    })
  // biome-ignore lint/correctness/useExhaustiveDependencies: the first page loads once; later ones on request.
  useEffect(() => {
    void refresh(query)
  }, [])

  const add = async () => {
    setNotice(undefined)
    const email = adding.email.trim()
    await call((api) => api.suppressions.add({ payload: { email, reason: adding.reason } }))
    setAdding({ email: "", reason: adding.reason })
    setNotice(`${email} is on the list: no mail goes to it.`)
    await refresh({ ...query, page: 1 })
  }
  const remove = (entry: SuppressionView) =>
    acting.run(async () => {
      setConfirming(undefined)
      setNotice(undefined)
      await call((api) => api.suppressions.remove({ path: { email: entry.email } }))
      setNotice(`${entry.email} was removed: mail can go to it again.`)
      // The last entry of a later page gone, the page before it is shown.
      const emptied = data !== undefined && data.data.length === 1 && query.page > 1
      await refresh({ ...query, page: emptied ? query.page - 1 : query.page })
    })

  const filtered = shown.search.trim() !== "" || shown.reason !== ""
  return (
    <section>
      <PageTitle>Suppressions</PageTitle>
      <p className="lead">
        Addresses no mail of this team goes to. Every send checks this list: a hard bounce or a spam complaint
        adds the address on its own, and you can add one by hand.
      </p>
      <Form
        label="Add an address"
        heading="Add an address"
        submit="Add to the list"
        action={add}
        className="card"
      >
        <Field
          label="Email address"
          name="email"
          type="email"
          required
          maxLength={320}
          value={adding.email}
          onChange={(email) => setAdding((a) => ({ ...a, email }))}
        />
        <Select
          label="Reason"
          name="reason"
          value={adding.reason}
          options={SuppressionReason.literals.map((r) => [r, REASONS[r]] as const)}
          onChange={(r) => setAdding((a) => ({ ...a, reason: r as SuppressionReason }))}
        />
      </Form>
      <form
        aria-label="Find suppressed addresses"
        className="card inline-form"
        onSubmit={(event) => {
          event.preventDefault()
          void refresh({ search, reason, page: 1 })
        }}
      >
        <Field label="Search" name="search" hint="Part of an address" value={search} onChange={setSearch} />
        <Select
          label="Reason"
          name="filter-reason"
          value={reason}
          options={[["", "Any reason"], ...SuppressionReason.literals.map((r) => [r, REASONS[r]] as const)]}
          onChange={(value) => {
            const next = value as SuppressionReason | ""
            setReason(next)
            void refresh({ search, reason: next, page: 1 })
          }}
        />
        <button type="submit" className="primary">
          Search
        </button>
      </form>
      <ErrorMessage problem={acting.problem} />
      {notice === undefined ? null : <Notice>{notice}</Notice>}
      {confirming === undefined ? null : (
        <ConfirmRemove
          entry={confirming}
          onRemove={() => void remove(confirming)}
          onCancel={() => setConfirming(undefined)}
        />
      )}
      {data === undefined ? (
        <p role="status">Loading…</p>
      ) : data.data.length === 0 ? (
        <p className="muted">
          {filtered
            ? "No suppressed address matches."
            : "The list is empty: mail goes to every address. Hard bounces and spam complaints will appear here on their own."}
        </p>
      ) : (
        <>
          <div className="inbound-stack">
            <ListTable
              caption={
                filtered
                  ? `${data.meta.total} match${data.meta.total === 1 ? "" : "es"}`
                  : `${data.meta.total} suppressed address${data.meta.total === 1 ? "" : "es"}`
              }
              columns={["Address", "Reason", "Since"]}
              actions
            >
              {data.data.map((s) => (
                <tr key={s.id}>
                  <td className="address">{s.email}</td>
                  <td>
                    <span className={`badge ${s.reason === "manual" ? "badge-pending" : "badge-failed"}`}>
                      {REASONS[s.reason]}
                    </span>
                  </td>
                  <td className="when">{formatDate(s.createdAt, info.user.timeZone)}</td>
                  <td>
                    <button type="button" onClick={() => setConfirming(s)} aria-label={`Remove ${s.email}`}>
                      Remove
                    </button>
                  </td>
                </tr>
              ))}
            </ListTable>
          </div>
          <Pager label="Suppression" meta={data.meta} onPage={(page) => void refresh({ ...query, page })} />
        </>
      )}
    </section>
  )
}
