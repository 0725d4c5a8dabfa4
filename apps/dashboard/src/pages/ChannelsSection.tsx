import { useState } from "react"
import { call } from "../api"
import { ListTable, Loaded } from "../ListTable"
import { useSession } from "../session"
import { ErrorMessage, formatDate } from "../ui"
import { useLoad } from "../useLoad"
import { ChannelDetail, ChannelStatus, destinationText, TYPE_NAMES } from "./ChannelDetail"
import { ChannelForm } from "./ChannelForm"
import { eventsText } from "./WebhookEventPicker"

/** The team's notification channels: short messages for people in Slack, Discord or Telegram. */
export const ChannelsSection = () => {
  const { info } = useSession()
  const channels = useLoad(() => call((api) => api.notificationChannels.list()))
  const [adding, setAdding] = useState(false)
  const [selected, setSelected] = useState<string | undefined>()
  const rows = channels.data?.channels
  const open = rows?.find((c) => c.publicId === selected)

  return (
    <section className="channels" aria-labelledby="channels-title">
      <h2 id="channels-title">Notification channels</h2>
      <p className="lead">
        Alerts for people, in the chat they already read: each event you pick arrives as a short message.
      </p>
      {adding ? (
        <ChannelForm
          onCancel={() => setAdding(false)}
          onSaved={async (publicId) => {
            setAdding(false)
            setSelected(publicId)
            await channels.reload()
          }}
        />
      ) : rows === undefined ? null : (
        <button type="button" className="primary" onClick={() => setAdding(true)}>
          Add a channel
        </button>
      )}
      <ErrorMessage problem={channels.problem} />
      <Loaded
        items={rows}
        empty="No channels yet. Add a Slack, Discord or Telegram channel to hear about bounces, complaints and new inbound mail."
      >
        {(list) => (
          <div className="table-scroll">
            <ListTable
              caption="Notification channels"
              hiddenCaption
              columns={["Channel", "Where", "Events", "Status", "Last used"]}
            >
              {list.map((c) => (
                <tr key={c.publicId} aria-current={c.publicId === selected ? "true" : undefined}>
                  <th scope="row" className="endpoint-cell">
                    <button
                      type="button"
                      className="link"
                      aria-label={`Open ${c.name}`}
                      onClick={() => setSelected(c.publicId)}
                    >
                      {c.name}
                    </button>
                  </th>
                  <td className="events-cell">
                    {TYPE_NAMES[c.type]}
                    <br />
                    <span className="muted">{destinationText(c)}</span>
                  </td>
                  <td className="events-cell">{eventsText(c.events, true)}</td>
                  <td>
                    <ChannelStatus channel={c} />
                  </td>
                  <td>{formatDate(c.lastUsedAt, info.user.timeZone)}</td>
                </tr>
              ))}
            </ListTable>
          </div>
        )}
      </Loaded>
      {open === undefined ? null : (
        <ChannelDetail
          key={open.publicId}
          channel={open}
          onChanged={channels.reload}
          onDeleted={async () => {
            setSelected(undefined)
            await channels.reload()
          }}
        />
      )}
    </section>
  )
}
