import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import * as path from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { launch, type Running } from "../apps/processes.js"
import { startChatPlatforms } from "../support/chatPlatforms.js"
import { createTestDatabase } from "../support/database.js"
import { freePort } from "../support/net.js"
import { sdk } from "../support/sdkClient.js"
import { TEST_ENCRYPTION_KEY } from "../support/server.js"

const started: Array<Running> = []
afterAll(async () => {
  for (const p of started) await p.stop("SIGKILL")
})

describe("the server process with Telegram's API address from the environment", () => {
  it("posts a channel's test message to POSTSTACK_TELEGRAM_API_URL and prints no token", async () => {
    const db = await createTestDatabase()
    const chat = await startChatPlatforms()
    const token = "424242:AAprocesstokenprocesstokenproc"
    chat.addBot(token)
    const port = await freePort()
    const key = "sk_live_notificationprocessnotificationproc"
    try {
      const server = launch("apps/server/src/main.ts", {
        DATABASE_URL: db.url,
        POSTSTACK_ENCRYPTION_KEY: TEST_ENCRYPTION_KEY,
        POSTSTACK_BOOTSTRAP_API_KEY: key,
        POSTSTACK_DATA_DIR: mkdtempSync(path.join(tmpdir(), "poststack-notify-")),
        POSTSTACK_DNS_SERVERS: "127.0.0.1:1",
        POSTSTACK_WEBHOOKS_ALLOW_LOOPBACK: "true",
        POSTSTACK_TELEGRAM_API_URL: `${chat.telegramApiUrl}/`,
        POSTSTACK_SMTP_SUBMISSION_PORT: "off",
        POSTSTACK_SMTP_SUBMISSION_TLS_PORT: "off",
        POSTSTACK_SMTP_STARTTLS_PORT: "off",
        POSTSTACK_SMTP_INBOUND_PORT: "off",
        PORT: String(port)
      })
      started.push(server)
      await server.waitFor("Listening on", 90_000)
      const client = sdk(key, { baseUrl: `http://127.0.0.1:${port}` })
      const channel = await client.notificationChannels.create({
        type: "telegram",
        name: "Process",
        events: ["email.bounced"],
        config: { botToken: token, chatId: "-1001" }
      })
      expect(await client.notificationChannels.test(channel.publicId)).toMatchObject({
        success: true,
        statusCode: 200
      })
      expect(chat.requests).toEqual([`POST /bot${token}/sendMessage`])
      expect(chat.at("424242/-1001")).toHaveLength(1)
      expect(server.output()).not.toContain(token.slice(7))
    } finally {
      await chat.close()
      await db.drop()
    }
  }, 180_000)
})
