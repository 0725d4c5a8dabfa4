import { PgDatabase } from "@poststack/adapters-persistence"
import { WorkerLive } from "@poststack/runtime"
import { Effect, Layer, Logger, ManagedRuntime, Redacted } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { expectStoredEventsDecode } from "../support/storedEvents.js"
import { type ChatPlatforms, startChatPlatforms } from "../support/chatPlatforms.js"
import { createTestDatabase, insertTeamWithKey, query } from "../support/database.js"
import { startDnsServer, type TestDnsServer } from "../support/dnsServer.js"
import { addVerifiedDomain } from "../support/domains.js"
import { type NotificationChannelWire, sdk, failure } from "../support/sdkClient.js"
import { startTestServer, type TestServer, testServices } from "../support/server.js"
import { eventually } from "../support/webhookReceiver.js"
import { dispatcherSettings, noTasks, testModeAndWebhookJobs } from "../support/webhookWorker.js"

/** The webhooks' retry and disable rules, shortened: three failures in a row disable a channel. */
const settings = dispatcherSettings({ disableAfter: 3, maxInFlight: 20 })

const SLACK_SECRET = "sLaCkSeCrEt0123456789abcd"
const DISCORD_TOKEN = "dIsCoRdToKeN_abcdefghijklmnop0123"
const BOT_TOKEN = "123456789:AAEsEcReTbOtToKeNabcdefghijklmno"
const SECRETS = [SLACK_SECRET, DISCORD_TOKEN, BOT_TOKEN, BOT_TOKEN.slice(10)]

describe("notification channels", () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>
  let dns: TestDnsServer
  let chat: ChatPlatforms
  let server: TestServer
  let worker: ManagedRuntime.ManagedRuntime<never, unknown>
  let key: string
  let teamId: number
  let client: ReturnType<typeof sdk>
  let other: ReturnType<typeof sdk>
  let alerts: { id: number }
  let elsewhere: { id: number }
  const logs: Array<string> = []
  const answers: Array<unknown> = []
  const slackPath = new URL(`http://x/services/T0/B0/${SLACK_SECRET}`).pathname

  /** Every answer the SDK got is kept, to look for secrets in them at the end. */
  const seen = async <T>(p: Promise<T>) => {
    const value = await p
    answers.push(value)
    return value
  }
  /** An event written to the outbox, as any domain change writes it. */
  const emit = (type: string, data: Record<string, unknown>) =>
    query(db.url, "INSERT INTO events (team_id, type, payload) VALUES ($1, $2, $3)", [teamId, type, data])
  const deliveriesOf = (c: NotificationChannelWire) =>
    seen(client.notificationChannels.getDeliveries(c.publicId))

  beforeAll(async () => {
    db = await createTestDatabase()
    dns = await startDnsServer()
    chat = await startChatPlatforms()
    chat.addBot(BOT_TOKEN)
    const transport = { allowLoopback: true, timeoutMs: 3000 }
    server = await startTestServer({
      databaseUrl: db.url,
      dnsServers: [dns.address],
      webhooks: transport,
      telegramApiUrl: chat.telegramApiUrl,
      logSink: (line) => logs.push(line)
    })
    key = (await server.bootstrap()) ?? ""
    client = sdk(key, { baseUrl: server.baseUrl })
    other = sdk(await insertTeamWithKey(db.url, "other team"), { baseUrl: server.baseUrl })
    const [row] = await query<{ team_id: number }>(db.url, "SELECT team_id FROM api_keys ORDER BY id LIMIT 1")
    teamId = row?.team_id ?? 0
    alerts = await addVerifiedDomain(server.baseUrl, key, dns, "alerts.test")
    elsewhere = await addVerifiedDomain(server.baseUrl, key, dns, "elsewhere.test")
    const services = testServices({
      dnsServers: [dns.address],
      webhooks: transport,
      telegramApiUrl: chat.telegramApiUrl
    }).pipe(Layer.provideMerge(PgDatabase.layer(Redacted.make(db.url), { maxConnections: 4 })))
    const logging = Logger.replace(
      Logger.defaultLogger,
      Logger.map(Logger.jsonLogger, (line) => logs.push(line))
    )
    worker = ManagedRuntime.make(
      WorkerLive.layer(noTasks, testModeAndWebhookJobs(settings)).pipe(
        Layer.provide(services),
        Layer.provide(logging)
      )
    )
    await worker.runPromise(Effect.void)
  })
  afterAll(async () => {
    await worker.dispose()
    await server.close()
    await chat.close()
    await dns.close()
    await db.drop()
  })

  let slack: NotificationChannelWire
  let discord: NotificationChannelWire
  let telegram: NotificationChannelWire

  it("creates, reads, updates and deletes channels as the SDK calls them, showing only a config summary", async () => {
    slack = await seen(
      client.notificationChannels.create({
        type: "slack",
        name: "Ops",
        events: ["email.bounced"],
        config: { webhookUrl: chat.slackUrl(SLACK_SECRET) },
        domainId: alerts.id
      })
    )
    expect(slack).toEqual({
      publicId: expect.stringMatching(/^nc_[0-9a-f]{32}$/),
      type: "slack",
      name: "Ops",
      domainId: alerts.id,
      mailboxId: null,
      events: ["email.bounced"],
      active: true,
      configSummary: { webhookUrl: `${new URL(chat.telegramApiUrl).origin}/…abcd` },
      consecutiveFailures: 0,
      disabledAt: null,
      disabledReason: null,
      lastUsedAt: null,
      createdAt: expect.any(String),
      updatedAt: expect.any(String)
    })
    discord = await seen(
      client.notificationChannels.create({
        type: "discord",
        name: "Alerts",
        events: ["email.bounced", "email.complained"],
        config: { webhookUrl: chat.discordUrl(DISCORD_TOKEN) }
      })
    )
    telegram = await seen(
      client.notificationChannels.create({
        type: "telegram",
        name: "On call",
        events: ["email.bounced"],
        config: { botToken: BOT_TOKEN, chatId: "-100123" }
      })
    )
    expect(telegram.configSummary).toEqual({ botToken: "123456789:…", chatId: "-100123" })

    const { channels } = await seen(client.notificationChannels.list())
    expect(channels.map((c) => c.publicId)).toEqual([slack.publicId, discord.publicId, telegram.publicId])
    expect(await seen(client.notificationChannels.get(discord.publicId))).toEqual(discord)

    // Config keys are merged: a new chat keeps the stored token.
    telegram = await seen(
      client.notificationChannels.update(telegram.publicId, {
        name: "On call TG",
        config: { chatId: "-100999" }
      })
    )
    expect(telegram).toMatchObject({
      name: "On call TG",
      type: "telegram",
      configSummary: { botToken: "123456789:…", chatId: "-100999" }
    })
    expect(Date.parse(telegram.updatedAt)).toBeGreaterThanOrEqual(Date.parse(telegram.createdAt))

    const doomed = await seen(
      client.notificationChannels.create({
        type: "discord",
        name: "Doomed",
        events: ["*"],
        config: { webhookUrl: chat.discordUrl("doomedtoken") }
      })
    )
    expect(await client.notificationChannels.delete(doomed.publicId)).toEqual({
      success: true,
      deleted: true
    })
    expect(await failure(client.notificationChannels.get(doomed.publicId))).toMatchObject({
      status: 404,
      code: "not_found"
    })
  })

  it("refuses configs and scopes it cannot honour, with the contract's codes", async () => {
    const create = (input: Record<string, unknown>) =>
      failure(client.notificationChannels.create({ name: "x", events: ["email.bounced"], ...input }))
    const privateUrl = await create({ type: "slack", config: { webhookUrl: "http://10.1.2.3/hook" } })
    expect(privateUrl).toMatchObject({ status: 422, code: "unprocessable_entity" })
    expect(privateUrl.message).toContain("private")
    expect(await create({ type: "discord", config: { webhookUrl: "ftp://x.test/y" } })).toMatchObject({
      status: 422
    })
    expect(await create({ type: "telegram", config: { botToken: "nope", chatId: "1" } })).toMatchObject({
      status: 422,
      code: "unprocessable_entity"
    })
    expect(await create({ type: "slack" })).toMatchObject({ status: 400, code: "invalid_request" })
    expect(await create({ type: "web_push", config: {} })).toMatchObject({
      status: 400,
      code: "invalid_request"
    })
    expect(
      await failure(
        client.notificationChannels.create({
          type: "slack",
          name: "x",
          events: [],
          config: { webhookUrl: "http://a.test" }
        })
      )
    ).toMatchObject({ status: 400, code: "invalid_request" })
    expect(
      await create({ type: "slack", config: { webhookUrl: chat.slackUrl("s") }, mailboxId: 5 })
    ).toMatchObject({ status: 404, message: "Mailbox not found" })
    expect(
      await create({ type: "slack", config: { webhookUrl: chat.slackUrl("s") }, domainId: 999_999 })
    ).toMatchObject({ status: 404, message: "Domain not found" })
    expect(
      await failure(client.notificationChannels.update(slack.publicId, { config: { botToken: BOT_TOKEN } }))
    ).toMatchObject({ status: 422, code: "unprocessable_entity" })
    const sending = await client.apiKeys.create({ name: "s", permission: "sending_access" })
    expect(
      await failure(sdk(sending.key ?? "", { baseUrl: server.baseUrl }).notificationChannels.list())
    ).toMatchObject({ status: 403, code: "forbidden" })
    expect((await client.notificationChannels.list()).channels).toHaveLength(3)
  })

  it("posts an email's bounce to Slack, Discord and Telegram in each platform's format, only where asked", async () => {
    const otherDomain = await client.notificationChannels.create({
      type: "slack",
      name: "Elsewhere",
      events: ["email.bounced"],
      config: { webhookUrl: chat.slackUrl("elsewhere-secret") },
      domainId: elsewhere.id
    })
    const domainOnly = await client.notificationChannels.create({
      type: "discord",
      name: "Domains",
      events: ["domain.verification_failed"],
      config: { webhookUrl: chat.discordUrl("domainsonly") }
    })
    const testKey = (await client.apiKeys.create({ name: "t", permission: "sending_access", mode: "test" }))
      .key
    const res = await fetch(`${server.baseUrl}/emails`, {
      method: "POST",
      headers: { Authorization: `Bearer ${testKey}`, "Content-Type": "application/json" },
      body: JSON.stringify({
        from: "Shop <shop@alerts.test>",
        to: ["bounced@simulator.poststack.dev"],
        subject: "Order <b>#1</b> & @everyone",
        text: "Thanks"
      })
    })
    expect(res.status).toBe(202)

    const [toSlack] = await eventually(
      () => chat.at(slackPath),
      (p) => p.length >= 1
    )
    const [toDiscord] = await eventually(
      () => chat.posts.filter((p) => p.platform === "discord" && p.channel.endsWith(DISCORD_TOKEN)),
      (p) => p.length >= 1
    )
    const [toTelegram] = await eventually(
      () => chat.at("123456789/-100999"),
      (p) => p.length >= 1
    )
    const slackJson = toSlack?.json as { text: string; blocks: Array<{ type: string }> }
    expect(slackJson.text).toContain("*Email bounced*")
    expect(slackJson.text).toContain("*Recipient:* bounced@simulator.poststack.dev")
    expect(slackJson.text).toContain("*Subject:* Order &lt;b&gt;#1&lt;/b&gt; &amp; @everyone")
    expect(slackJson.blocks.map((b) => b.type)).toEqual(["header", "section", "context"])

    expect(toDiscord?.json).toMatchObject({
      allowed_mentions: { parse: [] },
      embeds: [
        {
          title: "Email bounced",
          color: expect.any(Number),
          footer: { text: "email.bounced" },
          fields: expect.arrayContaining([
            { name: "Subject", value: "Order <b>#1</b> & @everyone" },
            { name: "From", value: "Shop <shop@alerts.test>" }
          ])
        }
      ]
    })
    const tg = toTelegram?.json as { chat_id: string; parse_mode: string; text: string }
    expect(tg.chat_id).toBe("-100999")
    expect(tg.parse_mode).toBe("HTML")
    expect(tg.text).toContain("<b>Email bounced</b>")
    expect(tg.text).toContain("<b>Subject:</b> Order &lt;b&gt;#1&lt;/b&gt; &amp; @everyone")

    const { deliveries, meta } = await eventually(
      () => deliveriesOf(slack),
      (page) => page.deliveries[0]?.deliveredAt != null
    )
    expect(meta).toEqual({ page: 1, perPage: 20, total: 1, totalPages: 1 })
    expect(deliveries[0]).toMatchObject({
      channelId: expect.any(Number),
      eventType: "email.bounced",
      statusCode: 200,
      responseBody: "ok",
      attempts: 1,
      nextRetryAt: null,
      payload: { type: "email.bounced", data: { subject: "Order <b>#1</b> & @everyone" } }
    })
    expect((await client.notificationChannels.get(slack.publicId)).lastUsedAt).not.toBeNull()
    // The other domain's channel and the domain-events channel were never asked.
    expect((await client.notificationChannels.getDeliveries(otherDomain.publicId)).meta.total).toBe(0)
    expect((await client.notificationChannels.getDeliveries(domainOnly.publicId)).meta.total).toBe(0)
    expect(chat.at(new URL(chat.slackUrl("elsewhere-secret")).pathname)).toHaveLength(0)
    await client.notificationChannels.delete(otherDomain.publicId)
    await client.notificationChannels.delete(domainOnly.publicId)
  })

  it("gives a domain's channel only events about that domain, whether they name it by id or by sender", async () => {
    const scoped = await client.notificationChannels.create({
      type: "discord",
      name: "Alerts domain",
      events: [
        "inbound_email.received",
        "domain.verification_failed",
        "email.complained",
        "webhook.disabled"
      ],
      config: { webhookUrl: chat.discordUrl("scopedtoken") },
      domainId: alerts.id
    })
    await emit("inbound_email.received", { domain_id: elsewhere.id, from: "x@y.test", subject: "not ours" })
    await emit("email.complained", { from: "Shop <shop@elsewhere.test>", subject: "not ours either" })
    await emit("webhook.disabled", { webhook_id: 1, url: "https://x.test", reason: "no domain" })
    await emit("inbound_email.received", { domain_id: alerts.id, from: "x@y.test", subject: "ours by id" })
    await emit("email.complained", { from: "Shop <shop@ALERTS.test>", subject: "ours by sender" })
    const received = await eventually(
      () => chat.posts.filter((p) => p.channel.endsWith("scopedtoken")),
      (p) => p.length >= 2
    )
    // Everything emitted was fanned out before the last two arrived: nothing else is on its way.
    await eventually(
      () => query<{ n: string }>(db.url, "SELECT count(*) AS n FROM events WHERE fanned_out_at IS NULL"),
      (rows) => Number(rows[0]?.n) === 0
    )
    const subjects = received.map(
      (p) =>
        (p.json.embeds as Array<{ fields: Array<{ name: string; value: string }> }>)[0]?.fields.find(
          (f) => f.name === "Subject"
        )?.value
    )
    expect(subjects.sort()).toEqual(["ours by id", "ours by sender"])
    expect((await client.notificationChannels.getDeliveries(scoped.publicId)).meta.total).toBe(2)
    await client.notificationChannels.delete(scoped.publicId)
  })

  it("retries as webhooks do, honouring Telegram's retry_after, and disables a channel after failures in a row", async () => {
    const token = "987654321:AAHanotherbottokenabcdefghijkl"
    chat.addBot(token)
    chat.on("987654321/42", (res, hit) =>
      hit === 1
        ? res.writeHead(429, { "content-type": "application/json" }).end(
            JSON.stringify({
              ok: false,
              error_code: 429,
              description: "Too Many Requests: retry after 1",
              parameters: { retry_after: 1 }
            })
          )
        : res.writeHead(200, { "content-type": "application/json" }).end('{"ok":true,"result":{}}')
    )
    const limited = await client.notificationChannels.create({
      type: "telegram",
      name: "Limited",
      events: ["email.complained"],
      config: { botToken: token, chatId: 42 }
    })
    const failing = await client.notificationChannels.create({
      type: "slack",
      name: "Broken",
      events: ["deliverability.degraded"],
      config: { webhookUrl: chat.slackUrl("broken-secret") }
    })
    const watcher = await client.notificationChannels.create({
      type: "discord",
      name: "Watcher",
      events: ["notification_channel.disabled"],
      config: { webhookUrl: chat.discordUrl("watchertoken") }
    })
    const brokenPath = new URL(chat.slackUrl("broken-secret")).pathname
    chat.on(brokenPath, (res) => res.writeHead(500, { "content-type": "text/plain" }).end("internal_error"))

    await emit("email.complained", { from: "shop@alerts.test", recipient: "a@b.test", subject: "Hi" })
    await emit("deliverability.degraded", { message: "Bounce rate 9%" })

    const retried = await eventually(
      () => deliveriesOf(limited),
      (page) => page.deliveries[0]?.deliveredAt != null
    )
    expect(retried.deliveries[0]).toMatchObject({ attempts: 2, statusCode: 200 })
    const hits = chat.at("987654321/42")
    expect(hits).toHaveLength(2)
    // The 1 s Telegram asked for (within the policy's 400 ms longest delay), not the 100 ms backoff.
    expect((hits[1]?.at ?? 0) - (hits[0]?.at ?? 0)).toBeGreaterThanOrEqual(380)

    const disabled = await eventually(
      () => seen(client.notificationChannels.get(failing.publicId)),
      (c) => !c.active
    )
    expect(disabled).toMatchObject({
      active: false,
      consecutiveFailures: 3,
      disabledReason: "3 consecutive failed deliveries",
      disabledAt: expect.any(String)
    })
    expect(chat.at(brokenPath)).toHaveLength(3)
    const [alert] = await eventually(
      () => chat.posts.filter((p) => p.channel.endsWith("watchertoken")),
      (p) => p.length >= 1
    )
    expect(alert?.json).toMatchObject({
      embeds: [
        {
          title: "Notification channel disabled",
          fields: expect.arrayContaining([
            { name: "Channel", value: failing.publicId },
            { name: "Reason", value: "3 consecutive failed deliveries" }
          ])
        }
      ]
    })
    await expectStoredEventsDecode(db.url, ["notification_channel.disabled"], { only: true })
    await client.notificationChannels.delete(watcher.publicId)

    // Fixed and switched on again: its delivery is sent once more by a replay.
    chat.on(brokenPath, undefined)
    const enabled = await client.notificationChannels.update(failing.publicId, { enabled: true })
    expect(enabled).toMatchObject({
      active: true,
      consecutiveFailures: 0,
      disabledAt: null,
      disabledReason: null
    })
    const [stuck] = (await deliveriesOf(enabled)).deliveries
    expect(await client.notificationChannels.replayDelivery(failing.publicId, stuck?.id ?? 0)).toEqual({
      success: true
    })
    const replayed = await eventually(
      () => deliveriesOf(enabled),
      (page) => page.deliveries[0]?.deliveredAt != null
    )
    expect(replayed.deliveries[0]).toMatchObject({ id: stuck?.id, statusCode: 200 })
    expect(
      await failure(client.notificationChannels.replayDelivery(failing.publicId, 999_999))
    ).toMatchObject({
      status: 404
    })
  })

  it("test posts a message and reports the platform's answer without disabling the channel", async () => {
    const before = chat.at(slackPath).length
    expect(await seen(client.notificationChannels.test(slack.publicId))).toEqual({
      success: true,
      statusCode: 200,
      responseBody: "ok"
    })
    const posted = chat.at(slackPath)[before]
    expect(String(posted?.json.text)).toContain("Test notification from PostStack")
    const unknownBot = await client.notificationChannels.create({
      type: "telegram",
      name: "Revoked",
      events: ["email.bounced"],
      config: { botToken: "555:AAunknownbottokenabcdefghijklmn", chatId: "1" }
    })
    const answer = await seen(client.notificationChannels.test(unknownBot.publicId))
    expect(answer).toMatchObject({ success: true, statusCode: 401 })
    expect(answer.responseBody).toContain("Unauthorized")
    expect((await client.notificationChannels.get(unknownBot.publicId)).active).toBe(true)
    await client.notificationChannels.delete(unknownBot.publicId)
  })

  it("keeps teams apart: another team neither sees nor triggers a channel, and webhook routes never reach one", async () => {
    const id = slack.publicId
    expect((await other.notificationChannels.list()).channels).toEqual([])
    const attempts = [
      () => other.notificationChannels.get(id),
      () => other.notificationChannels.update(id, { name: "mine" }),
      () => other.notificationChannels.test(id),
      () => other.notificationChannels.getDeliveries(id),
      () => other.notificationChannels.replayDelivery(id, 1),
      () => other.notificationChannels.delete(id)
    ]
    for (const attempt of attempts) {
      expect(await failure(attempt())).toMatchObject({ status: 404, code: "not_found" })
    }
    const sent = chat.at(slackPath).length
    expect((await client.notificationChannels.get(id)).name).toBe("Ops")
    expect(chat.at(slackPath)).toHaveLength(sent)

    const [delivery] = (await deliveriesOf(slack)).deliveries
    const channelId = delivery?.channelId ?? 0
    const call = async (method: string, path: string) =>
      (
        await fetch(`${server.baseUrl}${path}`, {
          method,
          headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" }
        })
      ).status
    expect(await call("GET", `/webhooks/${channelId}`)).toBe(404)
    expect(await call("POST", `/webhooks/${channelId}/test`)).toBe(404)
    expect(await call("GET", `/webhooks/${channelId}/deliveries`)).toBe(404)
    expect(await call("POST", `/webhooks/${channelId}/deliveries/${delivery?.id}/replay`)).toBe(404)
    expect(await call("DELETE", `/webhooks/${channelId}`)).toBe(404)
    const hooks = await fetch(`${server.baseUrl}/webhooks`, { headers: { Authorization: `Bearer ${key}` } })
    expect(((await hooks.json()) as { webhooks: unknown[] }).webhooks).toEqual([])
  })

  it("never shows, stores in clear or logs a webhook URL or bot token", async () => {
    for (const c of (await seen(client.notificationChannels.list())).channels) await deliveriesOf(c)
    const text = JSON.stringify(answers)
    expect(answers.length).toBeGreaterThan(10)
    expect(logs.length).toBeGreaterThan(10)
    const rows = await query<{ text: string }>(
      db.url,
      `SELECT concat_ws(' ', url, secret_prefix, name, config_summary::text, encode(secret_sealed, 'escape')) AS text FROM webhooks
       UNION ALL SELECT concat_ws(' ', data::text, response_body) FROM webhook_deliveries
       UNION ALL SELECT concat_ws(' ', error, response_body) FROM webhook_attempts
       UNION ALL SELECT payload::text FROM events`
    )
    for (const secret of SECRETS) {
      expect(text).not.toContain(secret)
      expect(logs.find((l) => l.includes(secret))).toBeUndefined()
      expect(rows.find((r) => r.text.includes(secret))).toBeUndefined()
    }
  })
})
