import { NodeCryptoSecretBox } from "@poststack/adapters-external"
import { Effect, Layer } from "effect"
import { RequestLogRetentionDays } from "./Tasks.js"

/**
 * Settings read before anything touches the database, so that a missing or malformed one stops
 * the start before migrations run, not after.
 */
export const checkConfiguration = Effect.asVoid(
  Effect.all([NodeCryptoSecretBox.keyConfig(), RequestLogRetentionDays])
)

/** `main`, built only once `check` passed. */
export const afterCheck = <A, E, R, E2>(check: Effect.Effect<void, E2>, main: Layer.Layer<A, E, R>) =>
  Layer.unwrapEffect(Effect.as(check, main))
