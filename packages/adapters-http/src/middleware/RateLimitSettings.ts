import type { RateLimitPolicy } from "@poststack/domain"
import { Config, Context, Layer } from "effect"

export interface RateLimitSettingsShape {
  /** Requests per window for each API key. */
  readonly perKey: RateLimitPolicy
  /** Failed authentications per window from one client address before it gets 429 instead of 401. */
  readonly authFailuresPerAddress: RateLimitPolicy
}

export class RateLimitSettings extends Context.Tag("@poststack/adapters-http/RateLimitSettings")<
  RateLimitSettings,
  RateLimitSettingsShape
>() {}

export const RateLimitSettingsConfig = Config.all({
  perKey: Config.all({
    limit: Config.integer("POSTSTACK_RATE_LIMIT_REQUESTS").pipe(Config.withDefault(50)),
    windowMs: Config.map(
      Config.integer("POSTSTACK_RATE_LIMIT_WINDOW_SECONDS").pipe(Config.withDefault(1)),
      (s) => s * 1000
    )
  }),
  authFailuresPerAddress: Config.all({
    limit: Config.integer("POSTSTACK_AUTH_FAILURE_LIMIT").pipe(Config.withDefault(30)),
    windowMs: Config.succeed(60_000)
  })
})

export const layer = (settings: RateLimitSettingsShape) => Layer.succeed(RateLimitSettings, settings)
export const layerConfig = Layer.effect(RateLimitSettings, RateLimitSettingsConfig)
