import type { AuditEntryView, RequestLogView } from "@poststack/contract"
import { AuditAction, type Actor } from "@poststack/domain"
import { type ReactNode, useEffect, useState } from "react"
import { ApiProblem, call } from "../api"
import { useSession } from "../session"
import { ErrorMessage, Field, PageTitle, Select, formatDate } from "../ui"
import { zonedDay } from "../zonedDay"

interface Page<A> {
  readonly data: ReadonlyArray<A>
  readonly meta: { readonly page: number; readonly totalPages: number; readonly total: number }
}

/** Loads a page of a log again whenever a filter or the page number changes. */
const usePaged = <A,>(load: (page: number) => Promise<Page<A>>, filters: ReadonlyArray<string>) => {
  const key = filters.join("\u0000")
  const [page, setPage] = useState(1)
  const [result, setResult] = useState<Page<A> | undefined>()
  const [problem, setProblem] = useState<ApiProblem | undefined>()
  // biome-ignore lint/correctness/useExhaustiveDependencies: back to the first page when a filter changes.
  useEffect(() => {
    setPage(1)
  }, [key])
  // biome-ignore lint/correctness/useExhaustiveDependencies: reloads on the page and the filters.
  useEffect(() => {
    let live = true
    load(page).then(
      (answer) => {
        if (!live) return
        setResult(answer)
        setProblem(undefined)
      },
      (error: unknown) => {
        if (!live) return
        setProblem(
          error instanceof ApiProblem ? error : new ApiProblem("internal_error", String(error), undefined)
        )
      }
    )
    return () => {
      live = false
    }
  }, [page, key])
  return { page, setPage, result, problem }
}

export const Pager = ({
  label,
  meta,
  onPage
}: {
  readonly label: string
  readonly meta: Page<unknown>["meta"]
  readonly onPage: (page: number) => void
}) => (
  <nav className="pager" aria-label={`${label} pages`}>
    <button type="button" disabled={meta.page <= 1} onClick={() => onPage(meta.page - 1)}>
      Newer
    </button>
    <span>
      Page {meta.page} of {Math.max(meta.totalPages, 1)} ({meta.total} in all)
    </span>
    <button type="button" disabled={meta.page >= meta.totalPages} onClick={() => onPage(meta.page + 1)}>
      Older
    </button>
  </nav>
)

const actorText = (actor: Actor | null) =>
  actor === null
    ? "nobody signed in"
    : actor.kind === "api_key"
      ? `API key #${actor.id}`
      : actor.kind === "user"
        ? `person #${actor.id}`
        : "operator"

const Filters = ({ label, children }: { readonly label: string; readonly children: ReactNode }) => (
  <fieldset className="filters">
    <legend>{label}</legend>
    {children}
  </fieldset>
)

export const AuditLogPage = () => {
  const { info } = useSession()
  const [action, setAction] = useState("")
  const [from, setFrom] = useState("")
  const [to, setTo] = useState("")
  const log = usePaged(
    (page) =>
      call((api) =>
        api.auditLog.list({
          urlParams: {
            page,
            perPage: 25,
            action: action === "" ? undefined : (action as AuditAction),
            // Days as the person reads them: in their time zone, as every date on this page.
            from: zonedDay(from, info.user.timeZone, "start"),
            to: zonedDay(to, info.user.timeZone, "end")
          }
        })
      ),
    [action, from, to, info.user.timeZone]
  )
  return (
    <section>
      <PageTitle>Audit log</PageTitle>
      <p className="lead">Who did what in this team, newest first. Entries are kept 90 days.</p>
      <Filters label="Filter the audit log">
        <Select
          label="Action"
          name="action"
          value={action}
          options={[["", "All actions"], ...AuditAction.literals.map((a) => [a, a] as const)]}
          onChange={setAction}
        />
        <Field
          label="From (day)"
          name="from"
          type="date"
          hint={`In your time zone, ${info.user.timeZone}`}
          value={from}
          onChange={setFrom}
        />
        <Field
          label="To (day)"
          name="to"
          type="date"
          hint={`In your time zone, ${info.user.timeZone}`}
          value={to}
          onChange={setTo}
        />
      </Filters>
      <ErrorMessage problem={log.problem} />
      {log.result === undefined ? null : log.result.data.length === 0 ? (
        <p className="muted">No entries match.</p>
      ) : (
        <>
          <table>
            <caption className="visually-hidden">Audit log entries</caption>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Action</th>
                <th scope="col">Actor</th>
                <th scope="col">Target</th>
                <th scope="col">Address</th>
                <th scope="col">Details</th>
              </tr>
            </thead>
            <tbody>
              {log.result.data.map((entry: AuditEntryView) => (
                <tr key={entry.id}>
                  <td className="when">{formatDate(entry.createdAt, info.user.timeZone)}</td>
                  <th scope="row">
                    <code>{entry.action}</code>
                  </th>
                  <td>{actorText(entry.actor)}</td>
                  <td>{entry.target === null ? "" : `${entry.target.type} ${entry.target.id}`}</td>
                  <td>{entry.ipAddress ?? ""}</td>
                  <td className="details">
                    {Object.entries(entry.details)
                      .map(([key, value]) => `${key}: ${String(value)}`)
                      .join(", ")}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <Pager label="Audit log" meta={log.result.meta} onPage={log.setPage} />
        </>
      )}
    </section>
  )
}

const STATUS_CLASSES = ["2xx", "3xx", "4xx", "5xx"] as const
const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"] as const

export const RequestLogPage = () => {
  const { info } = useSession()
  const [status, setStatus] = useState("")
  const [method, setMethod] = useState("")
  const log = usePaged(
    (page) =>
      call((api) =>
        api.requestLogs.list({
          urlParams: {
            page,
            perPage: 25,
            status: status === "" ? undefined : (status as (typeof STATUS_CLASSES)[number]),
            method: method === "" ? undefined : (method as (typeof METHODS)[number])
          }
        })
      ),
    [status, method]
  )
  return (
    <section>
      <PageTitle>API requests</PageTitle>
      <p className="lead">The team's authenticated API requests, newest first. Never bodies or keys.</p>
      <Filters label="Filter the requests">
        <Select
          label="Status"
          name="status"
          value={status}
          options={[["", "Any status"], ...STATUS_CLASSES.map((s) => [s, s] as const)]}
          onChange={setStatus}
        />
        <Select
          label="Method"
          name="method"
          value={method}
          options={[["", "Any method"], ...METHODS.map((m) => [m, m] as const)]}
          onChange={setMethod}
        />
      </Filters>
      <ErrorMessage problem={log.problem} />
      {log.result === undefined ? null : log.result.data.length === 0 ? (
        <p className="muted">No requests match.</p>
      ) : (
        <>
          <table>
            <caption className="visually-hidden">API requests</caption>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Request</th>
                <th scope="col">Status</th>
                <th scope="col">Duration</th>
                <th scope="col">By</th>
                <th scope="col">Address</th>
              </tr>
            </thead>
            <tbody>
              {log.result.data.map((row: RequestLogView) => (
                <tr key={row.id}>
                  <td className="when">{formatDate(row.createdAt, info.user.timeZone)}</td>
                  <th scope="row">
                    <code>
                      {row.method} {row.endpoint}
                    </code>
                  </th>
                  <td>
                    <span className={`badge ${row.status < 400 ? "badge-verified" : "badge-failed"}`}>
                      {row.status}
                    </span>
                  </td>
                  <td>{row.durationMs} ms</td>
                  <td>{actorText(row.actor)}</td>
                  <td>{row.ipAddress ?? ""}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <Pager label="API requests" meta={log.result.meta} onPage={log.setPage} />
        </>
      )}
    </section>
  )
}
