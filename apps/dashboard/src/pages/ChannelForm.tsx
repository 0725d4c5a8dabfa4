import type { NotificationChannelView } from "@poststack/contract"
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
 * A new Slack, Discord or Telegram channel (`channel` absent), or changes to one. Its URL or bot
 * token is a credential: sent, never shown again (the list shows the server's masked summary).
 * Editing, the credential fields start blank and a blank one keeps what the channel has (the
 * server merges the config keys it is sent).
 */
export const ChannelForm = ({
  channel,
  onSaved,
  onCancel
}: {
  readonly channel?: NotificationChannelView | undefined
  /** After the channel was created or changed, with its id. */
  readonly onSaved: (publicId: string) => Promise<void>
  readonly onCancel?: (() => void) | undefined
}) => {
  const editing = channel !== undefined
  const [type, setType] = useState<ChannelType>(
    channel === undefined || channel.type === "web_push" ? "slack" : channel.type
  )
  const [name, setName] = useState(channel?.name ?? "")
  const [webhookUrl, setWebhookUrl] = useState("")
  const [botToken, setBotToken] = useState("")
  const [chatId, setChatId] = useState("")
  const [events, setEvents] = useState<ReadonlyArray<string>>(channel?.events ?? SUGGESTED)
  const save = async () => {
    if (events.length === 0)
      throw new ApiProblem("invalid_request", "Pick at least one event, or All events.", undefined)
    const common = { name: name.trim(), events }
    if (channel !== undefined) {
      const given = Object.entries(
        type === "telegram"
          ? { botToken: botToken.trim(), chatId: chatId.trim() }
          : { webhookUrl: webhookUrl.trim() }
      ).filter(([, value]) => value !== "")
      await call((api) =>
        api.notificationChannels.update({
          path: { id: channel.publicId },
          payload: { ...common, ...(given.length === 0 ? {} : { config: Object.fromEntries(given) }) }
        })
      )
      return onSaved(channel.publicId)
    }
    // The client takes each kind of body on its own, so each is sent from its own branch.
    const created = await call((api) =>
      type === "telegram"
        ? api.notificationChannels.create({
            payload: { ...common, type, config: { botToken: botToken.trim(), chatId: chatId.trim() } }
          })
        : api.notificationChannels.create({
            payload: { ...common, type, config: { webhookUrl: webhookUrl.trim() } }
          })
    )
    await onSaved(created.channel.publicId)
  }
  const keep = editing ? " Leave it blank to keep the current one." : ""
  const title = editing ? "Edit the channel" : "Add a notification channel"
  return (
    <Form
      label={title}
      heading={title}
      submit={editing ? "Save changes" : "Add channel"}
      className="card webhook-form"
      action={save}
    >
      {editing ? null : (
        <Select
          label="Where"
          name="type"
          value={type}
          options={TYPES}
          onChange={(v) => setType(v as ChannelType)}
        />
      )}
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
            required={!editing}
            hint={`From @BotFather (123456789:AA…). Add the bot to the chat first.${keep}`}
            value={botToken}
            onChange={setBotToken}
          />
          <Field
            label="Chat id"
            name="chat-id"
            required={!editing}
            maxLength={100}
            hint={`The chat's numeric id (negative for groups and channels) or @channelname.${editing ? " Leave it blank to keep the current chat." : ""}`}
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
          required={!editing}
          maxLength={2048}
          hint={`${URL_HINTS[type]} It is a secret: PostStack keeps it sealed and never shows it again.${keep}`}
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
