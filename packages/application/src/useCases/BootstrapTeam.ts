import { keyPrefixOf, modeOfSecret, ValidationFailed } from "@poststack/domain"
import { Effect, Option, Redacted } from "effect"
import { KeyMaterial } from "../ports/KeyMaterial.js"
import { TeamRepository } from "../ports/TeamRepository.js"

export const DEFAULT_TEAM_NAME = "Default team"

export type BootstrapResult =
  | { readonly _tag: "AlreadyBootstrapped" }
  /** `plaintext` is set only when the key was generated here: it must be shown to the operator once. */
  | {
      readonly _tag: "Created"
      readonly teamName: string
      readonly plaintext: Option.Option<Redacted.Redacted<string>>
    }

/**
 * On first start, creates the default team and its first full-access key: the configured key when
 * one is given, else a fresh one. Does nothing once any team exists.
 */
export const BootstrapTeam = Effect.fn("BootstrapTeam")(function* (
  configuredKey: Option.Option<Redacted.Redacted<string>>
) {
  const material = yield* KeyMaterial
  const teams = yield* TeamRepository
  let secret: {
    plaintext: Redacted.Redacted<string>
    keyHash: Uint8Array
    keyPrefix: string
    generated: boolean
  }
  if (Option.isSome(configuredKey)) {
    const mode = modeOfSecret(Redacted.value(configuredKey.value))
    if (mode === undefined) {
      return yield* new ValidationFailed({
        message:
          "POSTSTACK_BOOTSTRAP_API_KEY must look like sk_live_… or sk_test_… with at least 16 characters after the prefix"
      })
    }
    secret = {
      plaintext: configuredKey.value,
      keyHash: yield* material.hash(configuredKey.value),
      keyPrefix: keyPrefixOf(Redacted.value(configuredKey.value)),
      generated: false
    }
  } else {
    secret = { ...(yield* material.mint("live")), generated: true }
  }
  const mode = modeOfSecret(Redacted.value(secret.plaintext)) ?? "live"
  const created = yield* teams.createFirst(DEFAULT_TEAM_NAME, {
    name: "Bootstrap key",
    keyHash: secret.keyHash,
    keyPrefix: secret.keyPrefix,
    permission: "full_access",
    mode,
    domainId: null
  })
  if (Option.isNone(created)) return { _tag: "AlreadyBootstrapped" } satisfies BootstrapResult
  return {
    _tag: "Created",
    teamName: created.value.name,
    plaintext: secret.generated ? Option.some(secret.plaintext) : Option.none()
  } satisfies BootstrapResult
})
