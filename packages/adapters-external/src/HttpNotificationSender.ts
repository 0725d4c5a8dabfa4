import { NotificationSender, WebhookTransport } from "@poststack/application"
import { platformOutcome, platformRequest } from "@poststack/domain"
import { Config, Effect, Layer, Redacted } from "effect"

export interface NotificationSenderOptions {
  /** Telegram's Bot API base URL; a local fake in tests, a proxy or mirror where the real host is out of reach. */
  readonly telegramApiUrl: string
}

/**
 * Chat messages go out through the webhook transport (the same address rules, no redirects, the
 * same time limit). A request URL carries the secret (the webhook URL, `bot<token>`), so neither the
 * URL nor the config is ever put into a message: the transport reports addresses and statuses only.
 */
export const make = (options: NotificationSenderOptions) =>
  Effect.gen(function* () {
    const transport = yield* WebhookTransport
    return NotificationSender.of({
      vet: (config) => {
        const c = Redacted.value(config)
        // The Bot API host is the operator's setting, not the team's: only webhook URLs are judged.
        return c.type === "telegram" ? Effect.succeed({ refused: null }) : transport.vet(c.webhookUrl)
      },
      send: (config, message) => {
        const c = Redacted.value(config)
        const request = platformRequest(c, message, options.telegramApiUrl)
        return Effect.map(transport.post({ url: request.url, body: request.body, headers: {} }), (outcome) =>
          platformOutcome(c.type, outcome)
        )
      }
    })
  })

export const layer = (options: NotificationSenderOptions) => Layer.effect(NotificationSender, make(options))

/** `POSTSTACK_TELEGRAM_API_URL` (default `https://api.telegram.org`). */
export const layerConfig = Layer.unwrapEffect(
  Effect.map(
    Config.string("POSTSTACK_TELEGRAM_API_URL").pipe(
      Config.withDefault("https://api.telegram.org"),
      Config.validate({
        message: "POSTSTACK_TELEGRAM_API_URL must be an http(s) URL",
        validation: (u) => /^https?:\/\/[^/\s]+/.test(u)
      })
    ),
    (telegramApiUrl) => layer({ telegramApiUrl })
  )
)
