import { createServer, type IncomingHttpHeaders, type ServerResponse } from "node:http"

export interface ChatPost {
  readonly platform: "slack" | "discord" | "telegram"
  /** The channel: Slack's and Discord's webhook path, or Telegram's `<bot id>/<chat id>`. */
  readonly channel: string
  readonly headers: IncomingHttpHeaders
  readonly json: Record<string, unknown>
  /** When it arrived (ms since the epoch). */
  readonly at: number
}

/** A test's answer for one channel; `undefined` answers as the platform does when all is well. */
export type Answer = (res: ServerResponse, hit: number) => void

export interface ChatPlatforms {
  /** A Slack incoming-webhook URL on this fake (`/services/T…/B…/<secret>`). */
  readonly slackUrl: (secret: string) => string
  /** A Discord webhook URL on this fake (`/api/webhooks/<id>/<token>`). */
  readonly discordUrl: (token: string) => string
  /** The Bot API base URL (what `POSTSTACK_TELEGRAM_API_URL` would be). */
  readonly telegramApiUrl: string
  /** A bot token the fake Telegram knows; any other gets 401 as the real one answers. */
  readonly addBot: (token: string) => void
  readonly posts: Array<ChatPost>
  readonly on: (channel: string, answer: Answer | undefined) => void
  readonly at: (channel: string) => Array<ChatPost>
  /** Every request line the fake saw (method and path), to show what reached it. */
  readonly requests: Array<string>
  readonly close: () => Promise<void>
}

const json = (res: ServerResponse, status: number, body: unknown) =>
  res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body))

/**
 * One HTTP server on loopback speaking the three platforms' formats, each refusing a request its
 * real counterpart would refuse: Slack wants `text` or `blocks` (400 `invalid_payload`), Discord
 * `content` or `embeds` (400) and answers 204, Telegram wants a known bot, `chat_id` and `text`
 * and answers `{ok, result}`.
 */
export const startChatPlatforms = async (): Promise<ChatPlatforms> => {
  const posts: Array<ChatPost> = []
  const requests: Array<string> = []
  const answers = new Map<string, Answer>()
  const bots = new Set<string>()
  let messageId = 0
  const server = createServer((req, res) => {
    const chunks: Array<Buffer> = []
    req.on("data", (c: Buffer) => chunks.push(c))
    req.on("end", () => {
      const path = req.url ?? "/"
      requests.push(`${req.method} ${path}`)
      let body: Record<string, unknown>
      try {
        body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as Record<string, unknown>
      } catch {
        return json(res, 400, { ok: false, error: "invalid_json" })
      }
      const record = (platform: ChatPost["platform"], channel: string) => {
        posts.push({ platform, channel, headers: req.headers, json: body, at: Date.now() })
        const answer = answers.get(channel)
        if (answer === undefined) return false
        answer(res, posts.filter((p) => p.channel === channel).length)
        return true
      }
      if (req.method === "POST" && path.startsWith("/services/T0/B0/")) {
        if (typeof body.text !== "string" && !Array.isArray(body.blocks))
          return res.writeHead(400, { "content-type": "text/plain" }).end("invalid_payload")
        if (!record("slack", path)) res.writeHead(200, { "content-type": "text/plain" }).end("ok")
        return
      }
      if (req.method === "POST" && /^\/api\/webhooks\/\d+\/[^/]+$/.test(path)) {
        if (typeof body.content !== "string" && !Array.isArray(body.embeds))
          return json(res, 400, { message: "Cannot send an empty message", code: 50006 })
        if (!record("discord", path)) res.writeHead(204).end()
        return
      }
      const telegram = /^\/bot([^/]+)\/sendMessage$/.exec(path)
      if (req.method === "POST" && telegram !== null) {
        const token = telegram[1] ?? ""
        if (!bots.has(token))
          return json(res, 401, { ok: false, error_code: 401, description: "Unauthorized" })
        if (body.chat_id === undefined || typeof body.text !== "string")
          return json(res, 400, {
            ok: false,
            error_code: 400,
            description: "Bad Request: message text is empty"
          })
        const channel = `${token.slice(0, token.indexOf(":"))}/${String(body.chat_id)}`
        if (!record("telegram", channel))
          json(res, 200, {
            ok: true,
            result: { message_id: ++messageId, chat: { id: body.chat_id }, date: 0, text: body.text }
          })
        return
      }
      json(res, 404, { ok: false, error_code: 404, description: "Not Found" })
    })
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const address = server.address()
  const base = `http://127.0.0.1:${typeof address === "object" && address !== null ? address.port : 0}`
  return {
    slackUrl: (secret) => `${base}/services/T0/B0/${secret}`,
    discordUrl: (token) => `${base}/api/webhooks/1234567890/${token}`,
    telegramApiUrl: base,
    addBot: (token) => bots.add(token),
    posts,
    on: (channel, answer) => (answer === undefined ? answers.delete(channel) : answers.set(channel, answer)),
    at: (channel) => posts.filter((p) => p.channel === channel),
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
}
