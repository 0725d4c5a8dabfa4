import type { EmailView } from "@poststack/contract"
import { useEffect, useState } from "react"
import { call } from "../api"
import { navigate, usePlace } from "../router"
import { useSession } from "../session"
import { ErrorMessage, Field, formatDate, Link, PageTitle, Select } from "../ui"
import { useLoad, usePolled } from "../useLoad"
import { EmailStatusBadge, isMoving, isScheduled } from "./EmailStatusBadge"
import { type Filters, KEYS, paramsOf, readFilters, readPage, STATUSES, searchOf } from "./emailFilters"
import { FirstEmail } from "./FirstEmail"
import { Pager } from "./LogPages"

/** How often a page showing mail on its way is read again. */
const REFRESH_MS = 2_000
/** How long typing in a text filter waits before the list is read again. */
const TYPING_MS = 300

/** The list's address as last shown, for the way back from one email. */
let lastSearch = ""
export const emailsListHref = () => `/app/emails${lastSearch}`

/** `value`, once it has stopped changing for `ms`. */
const useSettled = <A,>(value: A, ms: number): A => {
  const [settled, setSettled] = useState(value)
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), ms)
    return () => clearTimeout(timer)
  }, [value, ms])
  return settled
}

const recipients = (e: EmailView) => {
  const [first, ...rest] = e.toAddresses
  return rest.length === 0 ? (first ?? "") : `${first} +${rest.length}`
}

/** Every email of the team, newest first, filtered as the API allows, 25 a page. */
export const EmailsPage = () => {
  const { info } = useSession()
  const tz = info.user.timeZone
  const place = usePlace()
  const [filters, setFilters] = useState(() => readFilters(place.search))
  const [page, setPage] = useState(() => readPage(place.search))
  const [tick, setTick] = useState(0)
  const domains = useLoad(() => call((api) => api.domains.list()).then((r) => r.domains))
  const applied = useSettled(filters, TYPING_MS)
  const key = JSON.stringify(applied)
  const shown = searchOf(applied, page)

  // The address changed from outside (the navigation's link, back or forward): its filters win.
  const external = place.search.toString()
  // biome-ignore lint/correctness/useExhaustiveDependencies: only a change of the address matters here.
  useEffect(() => {
    if ((external === "" ? "" : `?${external}`) === shown) return
    const search = new URLSearchParams(external)
    setFilters(readFilters(search))
    setPage(readPage(search))
  }, [external])

  useEffect(() => {
    lastSearch = shown
    if (window.location.search !== shown) navigate(`/app/emails${shown}`, { replace: true })
  }, [shown])
  // Read again on the filters, the page, and Refresh; `everything` says whether the answer is the
  // first page with no filter at all, that is whether the team's log is empty.
  const { data: result, problem } = usePolled(
    async () => ({
      ...(await call((api) => api.emails.list({ urlParams: paramsOf(applied, page, tz) }))),
      everything: page === 1 && KEYS.every((k) => applied[k] === "")
    }),
    (answer) => answer.data.some(isMoving),
    REFRESH_MS,
    [key, page, tick, tz]
  )

  const set = (k: keyof Filters) => (value: string) => {
    setFilters((f) => ({ ...f, [k]: value }))
    setPage(1)
  }
  const filtered = KEYS.some((k) => filters[k] !== "")
  const verified = domains.data?.find((d) => d.status === "verified")
  const rows = result?.data ?? []
  // A team with no mail at all gets the way to send some, and no filters over an empty list.
  const nothingYet = result?.everything === true && result.meta.total === 0 && !filtered

  return (
    <section>
      <PageTitle>Emails</PageTitle>
      <p className="lead">
        Every email your team sent (through the API, SMTP, broadcasts and workflows), newest first. Open one
        for its events, its content and what happened at each recipient.
      </p>
      {nothingYet ? null : (
        <>
          <fieldset className="filters">
            <legend>Filter the emails</legend>
            <Field label="Recipient" name="to" type="search" value={filters.to} onChange={set("to")} />
            <Field
              label="Subject"
              name="subject"
              type="search"
              value={filters.subject}
              onChange={set("subject")}
            />
            <Select
              label="Status"
              name="status"
              value={filters.status}
              options={STATUSES}
              onChange={set("status")}
            />
            <Select
              label="Domain"
              name="domain"
              value={filters.domain}
              options={[
                ["", "Any domain"],
                ...(domains.data ?? []).map((d) => [String(d.id), d.name] as const)
              ]}
              onChange={set("domain")}
            />
            <Field label="Tag" name="tag" value={filters.tag} onChange={set("tag")} />
            <Field
              label="Sent from (day)"
              name="after"
              type="date"
              value={filters.after}
              onChange={set("after")}
            />
            <Field
              label="Sent until (day)"
              name="before"
              type="date"
              value={filters.before}
              onChange={set("before")}
            />
            <div className="filter-actions">
              {filtered ? (
                <button
                  type="button"
                  onClick={() => {
                    setFilters(readFilters(new URLSearchParams()))
                    setPage(1)
                  }}
                >
                  Clear filters
                </button>
              ) : null}
              <button type="button" onClick={() => setTick((t) => t + 1)}>
                Refresh
              </button>
            </div>
          </fieldset>
          <p className="hint">Days are read in your time zone, {tz}.</p>
        </>
      )}
      <ErrorMessage problem={problem} />
      {result === undefined ? (
        problem === undefined ? (
          <p role="status">Loading…</p>
        ) : null
      ) : nothingYet ? (
        <FirstEmail
          from={verified === undefined ? "you@your-domain.com" : `hello@${verified.name}`}
          onSent={() => setTick((t) => t + 1)}
        />
      ) : rows.length === 0 ? (
        <p className="muted">{filtered ? "No emails match these filters." : "No emails on this page."}</p>
      ) : (
        <>
          <table className="email-list">
            <caption className="visually-hidden">Emails, newest first</caption>
            <thead>
              <tr>
                <th scope="col">To</th>
                <th scope="col">Subject</th>
                <th scope="col">Status</th>
                <th scope="col">From</th>
                <th scope="col">When</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((e) => (
                <tr key={e.publicId}>
                  <th scope="row" className="email-to">
                    <Link href={`/app/emails/${e.publicId}`} aria-label={`${recipients(e)}: ${e.subject}`}>
                      {recipients(e)}
                    </Link>
                  </th>
                  <td className="email-subject" title={e.subject}>
                    {e.subject === "" ? <span className="muted">(no subject)</span> : e.subject}
                  </td>
                  <td>
                    <EmailStatusBadge email={e} />
                    {e.testMode ? <span className="badge badge-test">test</span> : null}
                  </td>
                  <td className="email-from">{e.fromAddress}</td>
                  <td className="when">
                    {isScheduled(e) && e.scheduledAt !== null
                      ? `for ${formatDate(e.scheduledAt, tz)}`
                      : formatDate(e.sentAt ?? e.createdAt, tz)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <Pager label="Emails" meta={result.meta} onPage={setPage} />
        </>
      )}
    </section>
  )
}
