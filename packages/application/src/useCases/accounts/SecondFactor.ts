import { isBackupCode, isTotpCode, normalizeSecondFactor, type UserId } from "@poststack/domain"
import { Clock, Effect, Option } from "effect"
import { Digest } from "../../ports/Digest.js"
import { SecretBox } from "../../ports/SecretBox.js"
import { TotpVerifier } from "../../ports/TotpVerifier.js"
import { TwoFactorStore } from "../../ports/TwoFactorStore.js"

/**
 * Whether `code` proves the person's enabled second factor: a TOTP code of a step not used before
 * (the step is then used up, so a code seen over a shoulder does not work twice), or one of their
 * unused backup codes (then spent). Anything else, or no enabled factor: `false`.
 */
export const CheckSecondFactor = Effect.fnUntraced(function* (userId: UserId, typed: string) {
  const store = yield* TwoFactorStore
  const code = normalizeSecondFactor(typed)
  if (isBackupCode(code)) {
    const now = new Date(yield* Clock.currentTimeMillis)
    return yield* store.useBackupCode(userId, (yield* Digest).sha256(code), now)
  }
  if (!isTotpCode(code)) return false
  const factor = yield* store.factor(userId)
  if (Option.isNone(factor) || !factor.value.enabled) return false
  const secret = yield* (yield* SecretBox).open(factor.value.sealedSecret)
  const step = (yield* TotpVerifier).stepOf(secret, code, yield* Clock.currentTimeMillis)
  if (Option.isNone(step)) return false
  return yield* store.useStep(userId, step.value)
})
