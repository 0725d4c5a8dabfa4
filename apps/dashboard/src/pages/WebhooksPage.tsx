import type { WebhookView } from "@poststack/contract"
import { useState } from "react"
import { call } from "../api"
import { ListTable, Loaded } from "../ListTable"
import { useSession } from "../session"
import { ErrorMessage, formatDate, PageTitle } from "../ui"
import { useLoad } from "../useLoad"
import { ChannelsSection } from "./ChannelsSection"
import { WebhookDetail, WebhookStatus } from "./WebhookDetail"
import { eventsText } from "./WebhookEventPicker"
import { WebhookForm } from "./WebhookForm"
import { NewSecret } from "./WebhookSecret"

/** The last delivery of an endpoint as a few words: when, and how the receiver answered. */
const Health = ({ webhook, timeZone }: { readonly webhook: WebhookView; readonly timeZone: string }) =>
  webhook.lastDeliveryAt === null ? (
    <span className="muted">No deliveries yet</span>
  ) : (
    <>
      <span className={webhook.consecutiveFailures > 0 ? "health-bad" : "health-ok"}>
        {webhook.consecutiveFailures > 0
          ? `${webhook.consecutiveFailures} failed in a row`
          : `OK${webhook.lastDeliveryStatus === null ? "" : ` (HTTP ${webhook.lastDeliveryStatus})`}`}
      </span>
      <br />
      <span className="muted">{formatDate(webhook.lastDeliveryAt, timeZone)}</span>
    </>
  )

/** The team's webhook endpoints: add one (its secret shown once), open one to test, edit and read its log. */
export const WebhooksPage = () => {
  const { info } = useSession()
  const hooks = useLoad(() => call((api) => api.webhooks.list()))
  const [selected, setSelected] = useState<number | undefined>()
  const [adding, setAdding] = useState(false)
  const [created, setCreated] = useState<{ readonly url: string; readonly secret: string } | undefined>()
  const rows = hooks.data?.webhooks
  const open = rows?.find((w) => w.id === selected)

  return (
    <section className="webhooks-page">
      <PageTitle>Webhooks</PageTitle>
      <p className="lead">
        PostStack POSTs a signed JSON request to your endpoints when something happens: an email is delivered,
        bounces or is opened, inbound mail arrives, a contact changes.
      </p>
      {created !== undefined ? (
        <NewSecret
          title={`Signing secret of ${created.url}`}
          secret={created.secret}
          onDone={() => setCreated(undefined)}
        />
      ) : adding ? (
        <WebhookForm
          onCancel={() => setAdding(false)}
          onSave={async (input) => {
            const r = await call((api) =>
              api.webhooks.create({
                payload: { url: input.url, events: input.events, description: input.description }
              })
            )
            setAdding(false)
            setCreated({ url: r.webhook.url, secret: r.signingSecret })
            setSelected(r.webhook.id)
            await hooks.reload()
          }}
        />
      ) : rows === undefined ? null : (
        <button type="button" className="primary" onClick={() => setAdding(true)}>
          Add an endpoint
        </button>
      )}
      <h2>Endpoints</h2>
      <ErrorMessage problem={hooks.problem} />
      <Loaded
        items={rows}
        empty="No endpoints yet. Add one: the URL of a server of yours and the events it wants; then send it a test event to see it arrive."
      >
        {(list) => (
          <div className="table-scroll">
            <ListTable
              caption="Webhook endpoints"
              hiddenCaption
              columns={["Endpoint", "Events", "Status", "Last delivery"]}
            >
              {list.map((w) => (
                <tr key={w.id} aria-current={w.id === selected ? "true" : undefined}>
                  <th scope="row" className="endpoint-cell">
                    <button
                      type="button"
                      className="link"
                      aria-label={`Open ${w.description ?? w.url}`}
                      onClick={() => setSelected(w.id)}
                    >
                      <code className="wrap">{w.url}</code>
                    </button>
                    {w.description === null ? null : (
                      <span className="muted endpoint-description">{w.description}</span>
                    )}
                  </th>
                  <td className="events-cell">{eventsText(w.events, true)}</td>
                  <td>
                    <WebhookStatus webhook={w} />
                  </td>
                  <td>
                    <Health webhook={w} timeZone={info.user.timeZone} />
                  </td>
                </tr>
              ))}
            </ListTable>
          </div>
        )}
      </Loaded>
      {open === undefined ? null : (
        <WebhookDetail
          key={open.id}
          webhook={open}
          onChanged={hooks.reload}
          onDeleted={async () => {
            setSelected(undefined)
            setCreated(undefined)
            await hooks.reload()
          }}
        />
      )}
      <ChannelsSection />
    </section>
  )
}
