import type { WebhookDeliveryView } from "@poststack/contract"
import { Fragment, useState } from "react"
import { call } from "../api"
import { ListTable } from "../ListTable"
import { useSession } from "../session"
import { ErrorMessage, formatDate, formatMoment, Notice, useAction } from "../ui"
import { usePolled } from "../useLoad"
import { DeliveryStatusFilter, type StatusChoices } from "./DeliveryStatusFilter"

const PER_PAGE = 20

/** The log's filter: every delivery, or those in one status (the API's `?status=`). */
const SHOWN: StatusChoices<WebhookDeliveryView["status"]> = [
  ["", "All"],
  ["failed", "Failed"],
  ["success", "Succeeded"],
  ["pending", "Pending"]
]
type Shown = (typeof SHOWN)[number][0]

interface DeliveryPage {
  readonly deliveries: ReadonlyArray<WebhookDeliveryView>
  readonly pagination: { readonly page: number; readonly totalPages: number; readonly total: number }
}

/** What a delivery's status means to the person reading the log. */
export const DeliveryStatus = ({ delivery }: { readonly delivery: WebhookDeliveryView }) =>
  delivery.status === "success" ? (
    <span className="badge badge-verified">Delivered</span>
  ) : delivery.status === "failed" ? (
    <span className="badge badge-failed">Failed</span>
  ) : (
    <span className="badge badge-pending">{delivery.attempts > 0 ? "Retrying" : "Pending"}</span>
  )

const Details = ({
  delivery,
  timeZone
}: {
  readonly delivery: WebhookDeliveryView
  readonly timeZone: string
}) => (
  <div className="delivery-details">
    <dl className="facts">
      <dt>Event id</dt>
      <dd>
        <code>{delivery.eventId}</code>
      </dd>
      {delivery.deliveredAt === null ? null : (
        <>
          <dt>Delivered</dt>
          <dd>{formatDate(delivery.deliveredAt, timeZone)}</dd>
        </>
      )}
      {delivery.nextRetryAt === null ? null : (
        <>
          <dt>Next attempt</dt>
          <dd>{formatDate(delivery.nextRetryAt, timeZone)}</dd>
        </>
      )}
    </dl>
    <h4>Payload</h4>
    <pre className="payload">{JSON.stringify(delivery.payload, null, 2)}</pre>
    <h4>Response body</h4>
    {delivery.responseBody === null || delivery.responseBody === "" ? (
      <p className="muted">None recorded.</p>
    ) : (
      <pre className="payload">{delivery.responseBody}</pre>
    )}
  </div>
)

/**
 * An endpoint's deliveries, newest first, 20 a page: replay one, or every failed one. The page is
 * read again every 1.5 s while a delivery is still on its way, so a replay's outcome shows by itself.
 */
export const WebhookDeliveries = ({
  webhookId,
  refresh,
  onSettled
}: {
  readonly webhookId: number
  readonly refresh: number
  /** Called when every delivery on its way has ended: the endpoint's health has changed. */
  readonly onSettled: () => void
}) => {
  const { info } = useSession()
  const [page, setPage] = useState(1)
  const [shown, setShown] = useState<Shown>("")
  const [tick, setTick] = useState(0)
  const [open, setOpen] = useState<number | undefined>()
  const [outcome, setOutcome] = useState<string | undefined>()
  const acting = useAction()

  // Read again on a page change, an outside change (refresh), a tick, and while one is on its way.
  const { data, problem } = usePolled<DeliveryPage>(
    () =>
      call((api) =>
        api.webhooks.deliveries({
          path: { id: webhookId },
          urlParams: { page, per_page: PER_PAGE, ...(shown === "" ? {} : { status: shown }) }
        })
      ),
    (answer) => answer.deliveries.some((d) => d.status === "pending"),
    1500,
    [webhookId, page, shown, refresh, tick],
    onSettled
  )

  const replay = (delivery: WebhookDeliveryView) =>
    acting.run(async () => {
      setOutcome(undefined)
      await call((api) => api.webhooks.replay({ path: { id: webhookId, deliveryId: delivery.id } }))
      setOutcome(`${delivery.eventType} is queued again; its row updates when it has been sent.`)
      setTick((t) => t + 1)
    })
  const replayFailed = () =>
    acting.run(async () => {
      setOutcome(undefined)
      const r = await call((api) => api.webhooks.batchReplay({ path: { id: webhookId }, payload: {} }))
      setOutcome(
        r.replayed === 0
          ? "No failed delivery in the last 30 days to replay."
          : `${r.replayed} failed ${r.replayed === 1 ? "delivery" : "deliveries"} queued again` +
              (r.remaining > 0 ? `; ${r.remaining} more remain, replay again for them.` : ".")
      )
      setPage(1)
      setTick((t) => t + 1)
    })

  const rows = data?.deliveries
  return (
    <section className="deliveries" aria-labelledby={`deliveries-${webhookId}`}>
      <div className="detail-head">
        <h3 id={`deliveries-${webhookId}`}>Deliveries</h3>
        <button type="button" onClick={() => void replayFailed()}>
          Replay failed deliveries
        </button>
      </div>
      <DeliveryStatusFilter
        name="delivery-status"
        choices={SHOWN}
        value={shown}
        onChange={(value) => {
          setShown(value)
          setPage(1)
          setOpen(undefined)
        }}
      />
      <ErrorMessage problem={problem ?? acting.problem} />
      {outcome === undefined ? null : <Notice>{outcome}</Notice>}
      {rows === undefined ? (
        <p role="status">Loading…</p>
      ) : rows.length === 0 && shown !== "" ? (
        <p className="hint">No {SHOWN.find(([v]) => v === shown)?.[1].toLowerCase()} deliveries.</p>
      ) : rows.length === 0 ? (
        <p className="hint">
          No deliveries yet. Send a test event, or wait for the first event you subscribed to.
        </p>
      ) : (
        <>
          <div className="table-scroll">
            <ListTable
              caption="Deliveries, newest first"
              hiddenCaption
              columns={["Event", "Status", "HTTP", "Attempts", "Time"]}
              actions
            >
              {rows.map((d) => (
                <Fragment key={d.id}>
                  <tr>
                    <th scope="row">
                      <code>{d.eventType}</code>
                    </th>
                    <td>
                      <DeliveryStatus delivery={d} />
                    </td>
                    <td>{d.statusCode ?? "—"}</td>
                    <td>{d.attempts}</td>
                    <td className="when">{formatMoment(d.createdAt, info.user.timeZone)}</td>
                    <td className="row-actions">
                      <button
                        type="button"
                        aria-expanded={open === d.id}
                        aria-label={`Details of ${d.eventType} #${d.id}`}
                        onClick={() => setOpen(open === d.id ? undefined : d.id)}
                      >
                        Details
                      </button>
                      <button
                        type="button"
                        aria-label={`Replay ${d.eventType} #${d.id}`}
                        disabled={d.status === "pending"}
                        onClick={() => void replay(d)}
                      >
                        Replay
                      </button>
                    </td>
                  </tr>
                  {open === d.id ? (
                    <tr className="delivery-open">
                      <td colSpan={6}>
                        <Details delivery={d} timeZone={info.user.timeZone} />
                      </td>
                    </tr>
                  ) : null}
                </Fragment>
              ))}
            </ListTable>
          </div>
          {data === undefined || data.pagination.totalPages <= 1 ? null : (
            <nav className="pager" aria-label="Delivery pages">
              <button type="button" disabled={page <= 1} onClick={() => setPage(page - 1)}>
                Newer
              </button>
              <span>
                Page {data.pagination.page} of {data.pagination.totalPages} ({data.pagination.total} in all)
              </span>
              <button
                type="button"
                disabled={page >= data.pagination.totalPages}
                onClick={() => setPage(page + 1)}
              >
                Older
              </button>
            </nav>
          )}
        </>
      )}
    </section>
  )
}
