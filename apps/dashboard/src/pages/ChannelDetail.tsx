import type { NotificationChannelView } from "@poststack/contract"
import { useState } from "react"
import { call } from "../api"
import { useSession } from "../session"
import { ErrorMessage, formatDate, Notice, useAction } from "../ui"
import { ChannelDeliveries } from "./ChannelDeliveries"
import { ChannelForm } from "./ChannelForm"
import { eventsText } from "./WebhookEventPicker"

/** Active, paused by a person, or turned off by PostStack after failing. */
export const ChannelStatus = ({ channel }: { readonly channel: NotificationChannelView }) =>
  channel.active ? (
    <span className="badge badge-verified">Active</span>
  ) : channel.disabledAt !== null ? (
    <span className="badge badge-failed">Disabled</span>
  ) : (
    <span className="badge badge-pending">Paused</span>
  )

export const TYPE_NAMES = {
  slack: "Slack",
  discord: "Discord",
  telegram: "Telegram",
  web_push: "Web push"
} as const

const SUMMARY_NAMES: Record<string, string> = { webhookUrl: "URL", botToken: "bot", chatId: "chat" }

/** The server's masked summary of the destination (host and last characters, bot and chat ids). */
export const destinationText = (channel: NotificationChannelView) =>
  Object.entries(channel.configSummary)
    .map(([key, value]) => `${SUMMARY_NAMES[key] ?? key} ${value}`)
    .join(", ")

/** One channel opened: test, edit, pause, delete, and its deliveries with replay. */
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
  const [refresh, setRefresh] = useState(0)
  const [tested, setTested] = useState<{ ok: boolean; text: string } | undefined>()
  const [confirming, setConfirming] = useState(false)
  const [editing, setEditing] = useState(false)
  const acting = useAction()

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
        setRefresh((n) => n + 1)
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
        {channel.type === "web_push" ? null : (
          <button type="button" aria-expanded={editing} onClick={() => setEditing(!editing)}>
            Edit
          </button>
        )}
        <button type="button" onClick={() => void setEnabled(!channel.active)}>
          {channel.active ? "Pause" : "Enable"}
        </button>
        <button type="button" className="danger" onClick={() => setConfirming(true)}>
          Delete…
        </button>
      </div>
      <ErrorMessage problem={acting.problem} />
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
      {editing ? (
        <ChannelForm
          channel={channel}
          onCancel={() => setEditing(false)}
          onSaved={async () => {
            setEditing(false)
            await onChanged()
          }}
        />
      ) : null}
      <ChannelDeliveries channelId={channel.publicId} refresh={refresh} onSettled={() => void onChanged()} />
    </section>
  )
}
