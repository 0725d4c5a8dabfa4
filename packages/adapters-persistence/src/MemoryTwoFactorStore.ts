import { TwoFactorStore } from "@poststack/application"
import { TwoFactorStatus, type UserId } from "@poststack/domain"
import { Effect, Layer, Option } from "effect"

interface Factor {
  sealedSecret: Uint8Array
  lastStep: number | null
  enabled: boolean
  codes: Map<string, boolean>
}

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex")

/** The memory twin of `PgTwoFactorStore`, held to the same contract suite. */
export const make = Effect.sync(() => {
  const factors = new Map<UserId, Factor>()
  const challenges = new Map<string, { userId: UserId; expiresAt: Date }>()

  return TwoFactorStore.of({
    status: (userId) =>
      Effect.sync(() => {
        const f = factors.get(userId)
        const enabled = f?.enabled ?? false
        const left = enabled && f !== undefined ? [...f.codes.values()].filter((used) => !used).length : 0
        return new TwoFactorStatus({ enabled, backupCodesLeft: left })
      }),
    factor: (userId) =>
      Effect.sync(() =>
        Option.map(Option.fromNullable(factors.get(userId)), (f) => ({
          sealedSecret: f.sealedSecret,
          enabled: f.enabled
        }))
      ),
    begin: (userId, sealedSecret) =>
      Effect.sync(() => {
        if (factors.get(userId)?.enabled) return false
        factors.set(userId, { sealedSecret, lastStep: null, enabled: false, codes: new Map() })
        return true
      }),
    enable: (userId, step, hashes) =>
      Effect.sync(() => {
        const f = factors.get(userId)
        if (f === undefined || f.enabled) return false
        f.enabled = true
        f.lastStep = step
        f.codes = new Map(hashes.map((h) => [h, false]))
        return true
      }),
    useStep: (userId, step) =>
      Effect.sync(() => {
        const f = factors.get(userId)
        if (f === undefined || !f.enabled || (f.lastStep !== null && f.lastStep >= step)) return false
        f.lastStep = step
        return true
      }),
    useBackupCode: (userId, hash) =>
      Effect.sync(() => {
        const f = factors.get(userId)
        if (f === undefined || !f.enabled || f.codes.get(hash) !== false) return false
        f.codes.set(hash, true)
        return true
      }),
    disable: (userId) =>
      Effect.sync(() => {
        if (!factors.get(userId)?.enabled) return false
        return factors.delete(userId)
      }),
    createChallenge: (c) =>
      Effect.sync(() => {
        challenges.set(hex(c.tokenHash), { userId: c.userId, expiresAt: c.expiresAt })
      }),
    findChallenge: (tokenHash, now) =>
      Effect.sync(() =>
        Option.map(
          Option.filter(Option.fromNullable(challenges.get(hex(tokenHash))), (c) => c.expiresAt > now),
          (c) => c.userId
        )
      ),
    endChallenge: (tokenHash) => Effect.sync(() => challenges.delete(hex(tokenHash)))
  })
})

export const layer = Layer.effect(TwoFactorStore, make)
