import { describe, expect, it } from "vitest"
import {
  configEntries,
  notificationMessage,
  parseChannelConfig,
  platformOutcome,
  platformRequest,
  summarizeConfig
} from "../src/index.js"

const TOKEN = "123456789:AAEsecretsecretsecretsecret_-x"

describe("notification channel rules", () => {
  it("takes only the keys of the channel's type, checks their form, and trims them", () => {
    expect(parseChannelConfig("slack", { webhookUrl: " https://hooks.example/T/B/x " })).toEqual({
      config: { type: "slack", webhookUrl: "https://hooks.example/T/B/x" }
    })
    expect(parseChannelConfig("slack", { webhookUrl: "https://a.test", chatId: "1" })).toEqual({
      error: "config.chatId is not a slack setting (expected webhookUrl)"
    })
    expect(parseChannelConfig("discord", {})).toEqual({
      error: "config.webhookUrl is required for a discord channel"
    })
    expect(parseChannelConfig("telegram", { botToken: TOKEN, chatId: "@alerts_room" })).toEqual({
      config: { type: "telegram", botToken: TOKEN, chatId: "@alerts_room" }
    })
    expect("error" in parseChannelConfig("telegram", { botToken: "abc:def", chatId: "1" })).toBe(true)
    expect("error" in parseChannelConfig("telegram", { botToken: TOKEN, chatId: "1; drop" })).toBe(true)
  })

  it("summarizes a config without any secret part", () => {
    const slack = summarizeConfig({
      type: "slack",
      webhookUrl: "https://hooks.slack.test/services/T1/B2/s3cr3tvalue"
    })
    expect(slack).toEqual({ webhookUrl: "https://hooks.slack.test/…alue" })
    expect(JSON.stringify(slack)).not.toContain("s3cr3t")
    expect(summarizeConfig({ type: "telegram", botToken: TOKEN, chatId: "-1001" })).toEqual({
      botToken: "123456789:…",
      chatId: "-1001"
    })
    expect(configEntries({ type: "telegram", botToken: TOKEN, chatId: "-1001" })).toEqual({
      botToken: TOKEN,
      chatId: "-1001"
    })
  })

  it("words an event with the lines a person needs, cut to size, unknown types by their name", () => {
    const m = notificationMessage({
      type: "email.bounced",
      timestamp: new Date("2026-01-02T03:04:05Z"),
      data: { recipient: "a@b.test", subject: "x".repeat(400), to: ["a@b.test", "c@d.test"], tags: ["t"] }
    })
    expect(m.title).toBe("Email bounced")
    expect(m.tone).toBe("danger")
    expect(m.fields.map((f) => f.label)).toEqual(["Recipient", "To", "Subject"])
    expect(m.fields[1]?.value).toBe("a@b.test, c@d.test")
    expect(m.fields[2]?.value).toHaveLength(300)
    expect(notificationMessage({ type: "custom.thing", timestamp: new Date(), data: {} }).title).toBe(
      "custom.thing"
    )
  })

  it("builds Telegram's sendMessage URL from the configured API base", () => {
    const message = notificationMessage({ type: "email.bounced", timestamp: new Date(0), data: {} })
    const req = platformRequest(
      { type: "telegram", botToken: TOKEN, chatId: "5" },
      message,
      "http://127.0.0.1:9/"
    )
    expect(req.url).toBe(`http://127.0.0.1:9/bot${TOKEN}/sendMessage`)
    expect(JSON.parse(req.body)).toMatchObject({ chat_id: "5", parse_mode: "HTML" })
  })

  it("reads Telegram's retry_after as the Retry-After the webhook rules honour, and nothing else", () => {
    const limited = {
      _tag: "Responded" as const,
      status: 429,
      body: '{"ok":false,"error_code":429,"parameters":{"retry_after":7}}',
      durationMs: 1
    }
    expect(platformOutcome("telegram", limited)).toEqual({ ...limited, retryAfter: "7" })
    expect(platformOutcome("slack", limited)).toEqual(limited)
    expect(platformOutcome("telegram", { ...limited, retryAfter: "3" })).toMatchObject({ retryAfter: "3" })
    expect(platformOutcome("telegram", { ...limited, body: "not json" })).toEqual({
      ...limited,
      body: "not json"
    })
  })
})
