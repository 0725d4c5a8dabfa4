import type { NotificationChannelView, NotificationDeliveryView } from "@poststack/contract"
import { useEffect, useRef, useState } from "react"
import { ApiProblem, call } from "../api"
import { ListTable } from "../ListTable"
import { useSession } from "../session"
import { ErrorMessage, formatDate, Notice, useAction } from "../ui"
import { eventsText } from "./WebhookEventPicker"

const PER_PAGE = 20

const logTime = (date: Date, timeZone: string) =>
  new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "medium", timeZone }).format(date)

/** Active, paused by a person, or turned off by PostStack after failing. */
export const ChannelStatus = ({ channel }: { readonly channel: NotificationChannelView }) =>
  channel.active ? (
    <span className="badge badge-verified">Active</span>
  ) : channel.disabledAt !== null ? (
    <span className="badge badge-failed">Disabled</span>
  ) : (
    <span className="badge badge-pending">Paused</span>
  )

/** The server's masked summary of the destination (host and last characters, bot and chat ids). */
export const TYPE_NAMES = {
  slack: "Slack",
  discord: "Discord",
  telegram: "Telegram",
  web_push: "Web push"
} as const

const SUMMARY_NAMES: Record<string, string> = { webhookUrl: "URL", botToken: "bot", chatId: "chat" }
export const destinationText = (channel: NotificationChannelView) =>
  Object.entries(channel.configSummary)
    .map(([key, value]) => `${SUMMARY_NAMES[key] ?? key} ${value}`)
    .join(", ")

const DeliveryBadge = ({ delivery }: { readonly delivery: NotificationDeliveryView }) =>
  delivery.status === "delivered" ? (
    <span className="badge badge-verified">Delivered</span>
  ) : delivery.status === "failed" ? (
    <span className="badge badge-failed">Failed</span>
  ) : (
    <span className="badge badge-pending">{delivery.status === "sending" ? "Sending" : "Pending"}</span>
  )

/** One channel opened: test, pause, delete, and its deliveries with replay. */
export const ChannelDetail = ({
  channel,
  onChanged,
  onDeleted
}: {
  readonly channel: NotificationChannelView
  readonly onChanged: () => Promise<void>
  readonly onDeleted: () => Promise<void>
}) => {
  const { info } = useSession()
  const tz = info.user.timeZone
  const [page, setPage] = useState(1)
  const [tick, setTick] = useState(0)
  const [log, setLog] = useState<
    | {
        readonly deliveries: ReadonlyArray<NotificationDeliveryView>
        readonly meta: { totalPages: number; total: number }
      }
    | undefined
  >()
  const [problem, setProblem] = useState<ApiProblem | undefined>()
  const [tested, setTested] = useState<{ ok: boolean; text: string } | undefined>()
  const [confirming, setConfirming] = useState(false)
  const [outcome, setOutcome] = useState<string | undefined>()
  const acting = useAction()
  const waiting = log?.deliveries.some((d) => d.status === "pending" || d.status === "sending") ?? false
  const waited = useRef(false)

  // biome-ignore lint/correctness/useExhaustiveDependencies: read again on a page change and a tick.
  useEffect(() => {
    let live = true
    call((api) =>
      api.notificationChannels.deliveries({
        path: { id: channel.publicId },
        urlParams: { page, per_page: PER_PAGE }
      })
    ).then(
      (answer) => {
        if (!live) return
        setLog(answer)
        setProblem(undefined)
      },
      (error: unknown) => {
        if (live)
          setProblem(
            error instanceof ApiProblem ? error : new ApiProblem("internal_error", String(error), undefined)
          )
      }
    )
    return () => {
      live = false
    }
  }, [channel.publicId, page, tick])
  // biome-ignore lint/correctness/useExhaustiveDependencies: each new answer still waiting sets the next read.
  useEffect(() => {
    if (!waiting) {
      if (waited.current) void onChanged()
      waited.current = false
      return
    }
    waited.current = true
    const timer = window.setTimeout(() => setTick((t) => t + 1), 1500)
    return () => window.clearTimeout(timer)
  }, [waiting, log])

  const platform = TYPE_NAMES[channel.type]
  const sendTest = () =>
    acting.run(async () => {
      setTested(undefined)
      try {
        const r = await call((api) => api.notificationChannels.test({ path: { id: channel.publicId } }))
        const ok = r.statusCode !== null && r.statusCode >= 200 && r.statusCode < 300
        setTested({
          ok,
          text: ok
            ? `Test message delivered: ${platform} answered HTTP ${r.statusCode}.`
            : r.statusCode === null
              ? `Test message not delivered: no answer from ${platform}.`
              : `Test message not delivered: ${platform} answered HTTP ${r.statusCode}${r.responseBody === null || r.responseBody === "" ? "" : `: ${r.responseBody}`}`
        })
      } finally {
        setTick((t) => t + 1)
        await onChanged()
      }
    })
  const setEnabled = (enabled: boolean) =>
    acting.run(async () => {
      await call((api) =>
        api.notificationChannels.update({ path: { id: channel.publicId }, payload: { enabled } })
      )
      await onChanged()
    })
  const replay = (d: NotificationDeliveryView) =>
    acting.run(async () => {
      await call((api) =>
        api.notificationChannels.replay({ path: { id: channel.publicId, deliveryId: d.id } })
      )
      setOutcome(`${d.eventType} is queued again; its row updates when it has been sent.`)
      setTick((t) => t + 1)
    })
  const remove = () =>
    acting.run(async () => {
      await call((api) => api.notificationChannels.delete({ path: { id: channel.publicId } }))
      await onDeleted()
    })

  return (
    <section className="card webhook-detail" aria-labelledby="channel-title">
      <div className="detail-head">
        <h2 id="channel-title" className="detail-title">
          {channel.name}
        </h2>
        <ChannelStatus channel={channel} />
      </div>
      <dl className="facts">
        <dt>Where</dt>
        <dd>
          {platform} · <code className="wrap">{destinationText(channel)}</code>
        </dd>
        <dt>Events</dt>
        <dd>{eventsText(channel.events)}</dd>
        <dt>Created</dt>
        <dd>{formatDate(channel.createdAt, tz)}</dd>
        {channel.disabledAt === null ? null : (
          <>
            <dt>Disabled</dt>
            <dd>
              {formatDate(channel.disabledAt, tz)}: {channel.disabledReason ?? "too many failed deliveries"}
            </dd>
          </>
        )}
      </dl>
      <div className="actions">
        <button type="button" className="primary" onClick={() => void sendTest()}>
          Send test message
        </button>
        <button type="button" onClick={() => void setEnabled(!channel.active)}>
          {channel.active ? "Pause" : "Enable"}
        </button>
        <button type="button" className="danger" onClick={() => setConfirming(true)}>
          Delete…
        </button>
      </div>
      <ErrorMessage problem={acting.problem ?? problem} />
      {tested === undefined ? null : tested.ok ? (
        <Notice>{tested.text}</Notice>
      ) : (
        <div className="alert alert-error" role="alert">
          <p>{tested.text}</p>
        </div>
      )}
      {confirming ? (
        <div role="alertdialog" aria-labelledby="channel-delete-title" className="confirm">
          <h3 id="channel-delete-title">Delete the channel “{channel.name}”?</h3>
          <p>No more messages go there, and its delivery log is deleted with it.</p>
          <button type="button" className="danger" onClick={() => void remove()}>
            Delete channel
          </button>{" "}
          <button type="button" onClick={() => setConfirming(false)}>
            Cancel
          </button>
        </div>
      ) : null}
      <section className="deliveries" aria-labelledby="channel-deliveries">
        <h3 id="channel-deliveries">Deliveries</h3>
        {outcome === undefined ? null : <Notice>{outcome}</Notice>}
        {log === undefined ? (
          <p role="status">Loading…</p>
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
                  <td className="when">{logTime(d.createdAt, tz)}</td>
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
    </section>
  )
}
