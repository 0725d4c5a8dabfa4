import type { NotificationDeliveryView } from "@poststack/contract"
import { useState } from "react"
import { call } from "../api"
import { ListTable } from "../ListTable"
import { useSession } from "../session"
import { ErrorMessage, formatMoment, Notice, useAction } from "../ui"
import { usePolled } from "../useLoad"
import { DeliveryStatusFilter, type StatusChoices } from "./DeliveryStatusFilter"

const PER_PAGE = 20

/** The log's filter: every delivery, or those in one status (the API's `?status=`). */
const SHOWN: StatusChoices<NotificationDeliveryView["status"]> = [
  ["", "All"],
  ["failed", "Failed"],
  ["delivered", "Succeeded"],
  ["pending", "Pending"]
]
type Shown = (typeof SHOWN)[number][0]

const DeliveryBadge = ({ delivery }: { readonly delivery: NotificationDeliveryView }) =>
  delivery.status === "delivered" ? (
    <span className="badge badge-verified">Delivered</span>
  ) : delivery.status === "failed" ? (
    <span className="badge badge-failed">Failed</span>
  ) : (
    <span className="badge badge-pending">{delivery.status === "sending" ? "Sending" : "Pending"}</span>
  )

/**
 * A channel's deliveries, newest first, 20 a page, each replayable; read again every 1.5 s while
 * one is on its way, so a replay's outcome shows by itself.
 */
export const ChannelDeliveries = ({
  channelId,
  refresh,
  onSettled
}: {
  readonly channelId: string
  readonly refresh: number
  /** Called when every delivery on its way has ended: the channel's health has changed. */
  readonly onSettled: () => void
}) => {
  const { info } = useSession()
  const tz = info.user.timeZone
  const [page, setPage] = useState(1)
  const [shown, setShown] = useState<Shown>("")
  const [tick, setTick] = useState(0)
  const [outcome, setOutcome] = useState<string | undefined>()
  const acting = useAction()

  // Read again on a page change, an outside change (refresh), a tick, and while one is on its way.
  const { data: log, problem } = usePolled(
    () =>
      call((api) =>
        api.notificationChannels.deliveries({
          path: { id: channelId },
          urlParams: { page, per_page: PER_PAGE, ...(shown === "" ? {} : { status: shown }) }
        })
      ),
    (answer) => answer.deliveries.some((d) => d.status === "pending" || d.status === "sending"),
    1500,
    [channelId, page, shown, tick, refresh],
    onSettled
  )

  const replay = (d: NotificationDeliveryView) =>
    acting.run(async () => {
      await call((api) => api.notificationChannels.replay({ path: { id: channelId, deliveryId: d.id } }))
      setOutcome(`${d.eventType} is queued again; its row updates when it has been sent.`)
      setTick((t) => t + 1)
    })
  return (
    <section className="deliveries" aria-labelledby="channel-deliveries">
      <h3 id="channel-deliveries">Deliveries</h3>
      <DeliveryStatusFilter
        name="channel-delivery-status"
        choices={SHOWN}
        value={shown}
        onChange={(value) => {
          setShown(value)
          setPage(1)
        }}
      />
      <ErrorMessage problem={problem ?? acting.problem} />
      {outcome === undefined ? null : <Notice>{outcome}</Notice>}
      {log === undefined ? (
        <p role="status">Loading…</p>
      ) : log.deliveries.length === 0 && shown !== "" ? (
        <p className="hint">No {SHOWN.find(([v]) => v === shown)?.[1].toLowerCase()} messages.</p>
      ) : log.deliveries.length === 0 ? (
        <p className="hint">No messages yet. Send a test message to check the channel.</p>
      ) : (
        <div className="table-scroll">
          <ListTable
            caption="Channel deliveries, newest first"
            hiddenCaption
            columns={["Event", "Status", "HTTP", "Attempts", "Time"]}
            actions
          >
            {log.deliveries.map((d) => (
              <tr key={d.id}>
                <th scope="row">
                  <code>{d.eventType}</code>
                </th>
                <td>
                  <DeliveryBadge delivery={d} />
                </td>
                <td>{d.statusCode ?? "—"}</td>
                <td>{d.attempts}</td>
                <td className="when">{formatMoment(d.createdAt, tz)}</td>
                <td className="row-actions">
                  <button
                    type="button"
                    aria-label={`Replay ${d.eventType} #${d.id}`}
                    disabled={d.status === "pending" || d.status === "sending"}
                    onClick={() => void replay(d)}
                  >
                    Replay
                  </button>
                </td>
              </tr>
            ))}
          </ListTable>
        </div>
      )}
      {log === undefined || log.meta.totalPages <= 1 ? null : (
        <nav className="pager" aria-label="Channel delivery pages">
          <button type="button" disabled={page <= 1} onClick={() => setPage(page - 1)}>
            Newer
          </button>
          <span>
            Page {page} of {log.meta.totalPages} ({log.meta.total} in all)
          </span>
          <button type="button" disabled={page >= log.meta.totalPages} onClick={() => setPage(page + 1)}>
            Older
          </button>
        </nav>
      )}
    </section>
  )
}
