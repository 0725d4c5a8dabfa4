import type { BroadcastView } from "@poststack/contract"
import type { BroadcastStatus } from "@poststack/domain"
import { useCallback, useEffect, useRef, useState } from "react"
import { call } from "../api"
import { useSession } from "../session"
import { ErrorMessage, formatDate, PageTitle, Select } from "../ui"
import { useLoad } from "../useLoad"
import { BroadcastCompose } from "./BroadcastCompose"
import { BroadcastDetail, StatusBadge } from "./BroadcastDetail"

const STATUSES: ReadonlyArray<readonly [string, string]> = [
  ["", "All statuses"],
  ["draft", "Drafts"],
  ["queued", "Queued or scheduled"],
  ["sending", "Sending"],
  ["sent", "Sent"],
  ["cancelled", "Cancelled"]
]

/** The team's broadcasts: compose one, follow a send as it goes, cancel, test, read how it did. */
export const BroadcastsPage = () => {
  const { info } = useSession()
  const [status, setStatus] = useState("")
  // The loader is made once; it reads the filter chosen so far through the ref.
  const filter = useRef("")
  filter.current = status
  const list = useLoad(() => {
    const s = filter.current
    return call((api) =>
      api.broadcasts.list({
        urlParams: { page: 1, perPage: 50, ...(s === "" ? {} : { status: s as BroadcastStatus }) }
      })
    )
  })
  const [selected, setSelected] = useState<string | undefined>()
  const reload = list.reload
  // biome-ignore lint/correctness/useExhaustiveDependencies: the list is read again when the filter changes.
  useEffect(() => {
    void reload()
  }, [status])
  const changed = useCallback(() => void reload(), [reload])
  const rows = list.data?.data ?? []
  const open: BroadcastView | undefined = rows.find((b) => b.publicId === selected)

  return (
    <section>
      <PageTitle>Broadcasts</PageTitle>
      <p className="lead">
        One message to a segment's contacts, each an ordinary email with its own unsubscribe link. Your
        transactional mail always goes first.
      </p>
      <ErrorMessage problem={list.problem} />
      <div className="filters-row">
        <Select label="Status" name="status-filter" value={status} options={STATUSES} onChange={setStatus} />
      </div>
      {rows.length === 0 ? (
        <p className="hint">
          {list.data === undefined ? "Loading…" : "No broadcasts yet: compose one below."}
        </p>
      ) : (
        <div className="table-scroll">
          <table aria-label="Broadcasts" className="broadcast-list">
            <thead>
              <tr>
                <th scope="col">Broadcast</th>
                <th scope="col">Status</th>
                <th scope="col">Recipients</th>
                <th scope="col">Delivered</th>
                <th scope="col">Opened</th>
                <th scope="col">Clicked</th>
                <th scope="col">When</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((b) => (
                <tr key={b.publicId} aria-selected={b.publicId === selected}>
                  <th scope="row" className="name-cell">
                    <button type="button" className="link" onClick={() => setSelected(b.publicId)}>
                      {b.name ?? b.subject}
                    </button>
                    {b.abTest === null ? null : <span className="badge badge-ab">A/B</span>}
                  </th>
                  <td>
                    <StatusBadge status={b.status} />
                  </td>
                  <td>{b.totalRecipients}</td>
                  <td>{b.deliveredCount}</td>
                  <td>{b.openedCount}</td>
                  <td>{b.clickedCount}</td>
                  <td className="when">
                    {b.status === "queued" && b.scheduledAt !== null
                      ? `for ${formatDate(b.scheduledAt, info.user.timeZone)}`
                      : b.sentAt !== null
                        ? formatDate(b.sentAt, info.user.timeZone)
                        : `created ${formatDate(b.createdAt, info.user.timeZone)}`}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {open === undefined ? null : (
        <BroadcastDetail key={open.publicId} broadcast={open} onChanged={changed} />
      )}
      <BroadcastCompose
        onCreated={(b) => {
          setSelected(b.publicId)
          void reload()
        }}
      />
    </section>
  )
}
