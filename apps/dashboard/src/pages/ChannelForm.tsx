import { useState } from "react"
import { ApiProblem, call } from "../api"
import { Field, Form, Select } from "../ui"
import { WebhookEventPicker } from "./WebhookEventPicker"

type ChannelType = "slack" | "discord" | "telegram"

const TYPES: ReadonlyArray<readonly [ChannelType, string]> = [
  ["slack", "Slack"],
  ["discord", "Discord"],
  ["telegram", "Telegram"]
]

const URL_HINTS: Record<"slack" | "discord", string> = {
  slack: "An incoming webhook of a Slack app: https://hooks.slack.com/services/…",
  discord: "Channel settings → Integrations → Webhooks: https://discord.com/api/webhooks/…"
}

/** The events people usually want in a chat: problems, and mail that came in. */
const SUGGESTED = ["email.bounced", "email.complained", "inbound_email.received", "webhook.disabled"]

/**
 * A new Slack, Discord or Telegram channel. Its URL or bot token is a credential: sent once, never
 * shown again (the list shows the server's masked summary).
 */
export const ChannelForm = ({
  onCreated,
  onCancel
}: {
  readonly onCreated: (publicId: string) => Promise<void>
  readonly onCancel?: (() => void) | undefined
}) => {
  const [type, setType] = useState<ChannelType>("slack")
  const [name, setName] = useState("")
  const [webhookUrl, setWebhookUrl] = useState("")
  const [botToken, setBotToken] = useState("")
  const [chatId, setChatId] = useState("")
  const [events, setEvents] = useState<ReadonlyArray<string>>(SUGGESTED)
  const create = async () => {
    if (events.length === 0)
      throw new ApiProblem("invalid_request", "Pick at least one event, or All events.", undefined)
    const common = { name: name.trim(), events }
    // The client takes each kind of body on its own, so each is sent from its own branch.
    const { channel } = await call((api) =>
      type === "telegram"
        ? api.notificationChannels.create({
            payload: { ...common, type, config: { botToken: botToken.trim(), chatId: chatId.trim() } }
          })
        : api.notificationChannels.create({
            payload: { ...common, type, config: { webhookUrl: webhookUrl.trim() } }
          })
    )
    await onCreated(channel.publicId)
  }
  return (
    <Form
      label="Add a notification channel"
      heading="Add a notification channel"
      submit="Add channel"
      className="card webhook-form"
      action={create}
    >
      <Select
        label="Where"
        name="type"
        value={type}
        options={TYPES}
        onChange={(v) => setType(v as ChannelType)}
      />
      <Field
        label="Name"
        name="channel-name"
        required
        maxLength={200}
        hint="How your team knows it, e.g. “#ops alerts”."
        value={name}
        onChange={setName}
      />
      {type === "telegram" ? (
        <>
          <Field
            label="Bot token"
            name="bot-token"
            type="password"
            autoComplete="off"
            required
            hint="From @BotFather (123456789:AA…). Add the bot to the chat first."
            value={botToken}
            onChange={setBotToken}
          />
          <Field
            label="Chat id"
            name="chat-id"
            required
            maxLength={100}
            hint="The chat's numeric id (negative for groups and channels) or @channelname."
            value={chatId}
            onChange={setChatId}
          />
        </>
      ) : (
        <Field
          label="Webhook URL"
          name="chat-webhook-url"
          type="password"
          autoComplete="off"
          required
          maxLength={2048}
          hint={`${URL_HINTS[type]} It is a secret: PostStack keeps it sealed and never shows it again.`}
          value={webhookUrl}
          onChange={setWebhookUrl}
        />
      )}
      <WebhookEventPicker value={events} onChange={setEvents} />
      {onCancel === undefined ? null : (
        <button type="button" className="form-cancel" onClick={onCancel}>
          Cancel
        </button>
      )}
    </Form>
  )
}
