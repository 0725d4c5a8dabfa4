import type { WebhookView } from "@poststack/contract"
import { useState } from "react"
import { call } from "../api"
import { useSession } from "../session"
import { ErrorMessage, formatDate, Notice, Select, useAction } from "../ui"
import { WebhookDeliveries } from "./WebhookDeliveries"
import { eventsText } from "./WebhookEventPicker"
import { WebhookForm } from "./WebhookForm"
import { NewSecret, SigningNote } from "./WebhookSecret"

/** Active, paused by a person, or turned off by PostStack after failing too often. */
export const WebhookStatus = ({ webhook }: { readonly webhook: WebhookView }) =>
  webhook.active ? (
    <span className="badge badge-verified">Active</span>
  ) : webhook.disabledAt !== null ? (
    <span className="badge badge-failed">Disabled</span>
  ) : (
    <span className="badge badge-pending">Paused</span>
  )

const GRACE: ReadonlyArray<readonly [string, string]> = [
  ["24", "24 hours (default)"],
  ["1", "1 hour"],
  ["168", "7 days"],
  ["0", "No: stop it at once"]
]

type Confirming = "rotate" | "delete" | undefined

interface TestOutcome {
  readonly success: boolean
  readonly status_code: number | null
  readonly response_time_ms: number
}

const testText = (r: TestOutcome) =>
  r.success
    ? `Test event delivered: your endpoint answered HTTP ${r.status_code} in ${r.response_time_ms} ms.`
    : r.status_code === null
      ? `Test event not delivered: no answer from your endpoint (unreachable or too slow) after ${r.response_time_ms} ms.`
      : `Test event not delivered: your endpoint answered HTTP ${r.status_code} in ${r.response_time_ms} ms.`

/** One endpoint opened: what it is, its actions (test, edit, pause, rotate, delete) and its deliveries. */
export const WebhookDetail = ({
  webhook,
  onChanged,
  onDeleted
}: {
  readonly webhook: WebhookView
  readonly onChanged: () => Promise<void>
  readonly onDeleted: () => Promise<void>
}) => {
  const { info } = useSession()
  const tz = info.user.timeZone
  const [editing, setEditing] = useState(false)
  const [confirming, setConfirming] = useState<Confirming>()
  const [grace, setGrace] = useState("24")
  const [secret, setSecret] = useState<{ value: string; note: string } | undefined>()
  const [tested, setTested] = useState<TestOutcome | undefined>()
  const [testing, setTesting] = useState(false)
  const [refresh, setRefresh] = useState(0)
  const acting = useAction()
  const name = webhook.description ?? webhook.url

  const sendTest = () =>
    acting.run(async () => {
      setTesting(true)
      setTested(undefined)
      try {
        setTested(await call((api) => api.webhooks.test({ path: { id: webhook.id } })))
      } finally {
        setTesting(false)
        setRefresh((n) => n + 1)
        await onChanged()
      }
    })
  const setEnabled = (enabled: boolean) =>
    acting.run(async () => {
      await call((api) => api.webhooks.update({ path: { id: webhook.id }, payload: { enabled } }))
      await onChanged()
    })
  const rotate = () =>
    acting.run(async () => {
      const r = await call((api) =>
        api.webhooks.rotateSecret({ path: { id: webhook.id }, payload: { graceHours: Number(grace) } })
      )
      setConfirming(undefined)
      const until = r.webhook.previousSecretExpiresAt
      setSecret({
        value: r.signingSecret,
        note:
          until === null
            ? "The old secret no longer signs anything."
            : `Requests carry a signature with the old secret too until ${formatDate(until, tz)}, so you can switch without losing any.`
      })
      await onChanged()
    })
  const remove = () =>
    acting.run(async () => {
      await call((api) => api.webhooks.delete({ path: { id: webhook.id } }))
      await onDeleted()
    })

  return (
    <section className="card webhook-detail" aria-labelledby="webhook-title">
      <div className="detail-head">
        <h2 id="webhook-title" className="detail-title">
          {name}
        </h2>
        <WebhookStatus webhook={webhook} />
      </div>
      <dl className="facts">
        <dt>URL</dt>
        <dd>
          <code className="wrap">{webhook.url}</code>
        </dd>
        <dt>Events</dt>
        <dd>{eventsText(webhook.events)}</dd>
        <dt>Signing secret</dt>
        <dd>
          <code>{webhook.secretPrefix}</code>
          {webhook.secretRotatedAt === null ? null : (
            <> (rotated {formatDate(webhook.secretRotatedAt, tz)})</>
          )}
          {webhook.previousSecretExpiresAt !== null && webhook.previousSecretExpiresAt > new Date() ? (
            <> · the old one still signs until {formatDate(webhook.previousSecretExpiresAt, tz)}</>
          ) : null}
        </dd>
        <dt>Created</dt>
        <dd>{formatDate(webhook.createdAt, tz)}</dd>
        {webhook.disabledAt === null ? null : (
          <>
            <dt>Disabled</dt>
            <dd>
              {formatDate(webhook.disabledAt, tz)}: {webhook.disabledReason ?? "too many failed deliveries"}
            </dd>
          </>
        )}
      </dl>
      {webhook.consecutiveFailures > 0 ? (
        <p className="alert alert-info">
          The last{" "}
          {webhook.consecutiveFailures === 1 ? "delivery" : `${webhook.consecutiveFailures} deliveries`}{" "}
          failed. After 20 failures in a row PostStack disables the endpoint.
        </p>
      ) : null}
      <div className="actions">
        <button
          type="button"
          className="primary"
          disabled={testing}
          aria-busy={testing}
          onClick={() => void sendTest()}
        >
          {testing ? "Sending…" : "Send test event"}
        </button>
        <button type="button" aria-expanded={editing} onClick={() => setEditing(!editing)}>
          Edit
        </button>
        <button type="button" onClick={() => void setEnabled(!webhook.active)}>
          {webhook.active ? "Pause" : "Enable"}
        </button>
        <button type="button" onClick={() => setConfirming("rotate")}>
          Rotate secret…
        </button>
        <button type="button" className="danger" onClick={() => setConfirming("delete")}>
          Delete…
        </button>
      </div>
      <ErrorMessage problem={acting.problem} />
      {tested === undefined ? null : tested.success ? (
        <Notice>{testText(tested)}</Notice>
      ) : (
        <div className="alert alert-error" role="alert">
          <p>{testText(tested)}</p>
        </div>
      )}
      {confirming === "rotate" ? (
        <div role="alertdialog" aria-labelledby="rotate-title" className="confirm">
          <h3 id="rotate-title">Rotate the signing secret?</h3>
          <p>A new secret is made and shown once. Update your receiver with it.</p>
          <Select
            label="Keep signing with the old secret too for"
            name="grace"
            value={grace}
            options={GRACE}
            onChange={setGrace}
          />
          <button type="button" className="danger" onClick={() => void rotate()}>
            Rotate secret
          </button>{" "}
          <button type="button" onClick={() => setConfirming(undefined)}>
            Cancel
          </button>
        </div>
      ) : confirming === "delete" ? (
        <div role="alertdialog" aria-labelledby="delete-title" className="confirm">
          <h3 id="delete-title">Delete this endpoint?</h3>
          <p>
            No more events go to <code className="wrap">{webhook.url}</code>, and its delivery log is deleted
            with it. This cannot be undone.
          </p>
          <button type="button" className="danger" onClick={() => void remove()}>
            Delete endpoint
          </button>{" "}
          <button type="button" onClick={() => setConfirming(undefined)}>
            Cancel
          </button>
        </div>
      ) : null}
      {secret === undefined ? null : (
        <NewSecret
          title="Your new signing secret"
          secret={secret.value}
          rotated={secret.note}
          onDone={() => setSecret(undefined)}
        />
      )}
      {editing ? (
        <WebhookForm
          webhook={webhook}
          onCancel={() => setEditing(false)}
          onSave={async (input) => {
            await call((api) =>
              api.webhooks.update({
                path: { id: webhook.id },
                payload: { url: input.url, description: input.description, events: input.events }
              })
            )
            setEditing(false)
            await onChanged()
          }}
        />
      ) : null}
      {secret === undefined ? <SigningNote /> : null}
      <WebhookDeliveries webhookId={webhook.id} refresh={refresh} onSettled={() => void onChanged()} />
    </section>
  )
}
