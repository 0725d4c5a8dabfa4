import { RetentionPolicySource } from "@poststack/application"
import { DEFAULT_RETENTION_DAYS, MAX_RETENTION_DAYS, MIN_RETENTION_DAYS } from "@poststack/domain"
import { Config, Effect, Layer } from "effect"

/** Every team keeps its logs and content `days` days: the install's one plan, until plans are data. */
export const layer = (days: number) =>
  Layer.succeed(
    RetentionPolicySource,
    RetentionPolicySource.of({ retentionDays: () => Effect.succeed(days) })
  )

/** `POSTSTACK_RETENTION_DAYS` (default 30, from 14 to 90 as the privacy policy allows). */
export const layerConfig = Layer.unwrapEffect(
  Config.integer("POSTSTACK_RETENTION_DAYS").pipe(
    Config.withDefault(DEFAULT_RETENTION_DAYS),
    Config.validate({
      message: `POSTSTACK_RETENTION_DAYS must be a whole number of days from ${MIN_RETENTION_DAYS} to ${MAX_RETENTION_DAYS}`,
      validation: (days) => days >= MIN_RETENTION_DAYS && days <= MAX_RETENTION_DAYS
    }),
    Config.map(layer)
  )
)
