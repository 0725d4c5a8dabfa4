import type { WebhookView } from "@poststack/contract"
import { useState } from "react"
import { ApiProblem } from "../api"
import { Field, Form } from "../ui"
import { WebhookEventPicker } from "./WebhookEventPicker"

export interface WebhookInput {
  readonly url: string
  readonly description: string | null
  readonly events: ReadonlyArray<string>
}

/**
 * The fields of an endpoint, to add one (`webhook` absent) or change one. The URL is checked by the
 * server, which refuses private and loopback addresses; its message is shown above the fields.
 */
export const WebhookForm = ({
  webhook,
  onSave,
  onCancel
}: {
  readonly webhook?: WebhookView
  readonly onSave: (input: WebhookInput) => Promise<void>
  readonly onCancel?: (() => void) | undefined
}) => {
  const [url, setUrl] = useState(webhook?.url ?? "")
  const [description, setDescription] = useState(webhook?.description ?? "")
  const [events, setEvents] = useState<ReadonlyArray<string>>(webhook?.events ?? [])
  const editing = webhook !== undefined
  return (
    <Form
      label={editing ? "Edit the endpoint" : "Add an endpoint"}
      heading={editing ? "Edit the endpoint" : "Add an endpoint"}
      submit={editing ? "Save changes" : "Add endpoint"}
      className="card webhook-form"
      action={async () => {
        if (events.length === 0)
          throw new ApiProblem("invalid_request", "Pick at least one event, or All events.", undefined)
        await onSave({
          url: url.trim(),
          description: description.trim() === "" ? null : description.trim(),
          events
        })
      }}
    >
      <Field
        label="Endpoint URL"
        name="url"
        type="url"
        required
        maxLength={2048}
        hint="Where PostStack POSTs each event as JSON, e.g. https://example.com/webhooks/poststack."
        value={url}
        onChange={setUrl}
      />
      <Field
        label="Description (optional)"
        name="description"
        maxLength={500}
        hint="For your team: what listens there."
        value={description}
        onChange={setDescription}
      />
      <WebhookEventPicker value={events} onChange={setEvents} />
      {onCancel === undefined ? null : (
        <button type="button" className="form-cancel" onClick={onCancel}>
          Cancel
        </button>
      )}
    </Form>
  )
}
