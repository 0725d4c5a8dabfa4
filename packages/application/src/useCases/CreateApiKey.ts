import {
  type ApiKey,
  type ApiKeyMode,
  type ApiKeyPermission,
  PermissionDenied,
  parseDomainRef,
  ValidationFailed,
  DomainNotFound
} from "@poststack/domain"
import { Effect, Option, type Redacted } from "effect"
import { ApiKeyRepository } from "../ports/ApiKeyRepository.js"
import { DomainDirectory } from "../ports/DomainDirectory.js"
import { KeyMaterial } from "../ports/KeyMaterial.js"
import { authorize, type Principal } from "./Principal.js"
import { keyDetails, recordAudit } from "./audit/RecordAudit.js"

export interface CreateApiKeyInput {
  readonly name: string
  readonly permission: ApiKeyPermission
  /** `undefined`: the calling key's own mode (a test key mints test keys), else live. */
  readonly mode: ApiKeyMode | undefined
  /** A domain id or `dom_` public id; the key may then send only from that domain. */
  readonly domain: string | number | undefined
  /** Required when an API key mints a `full_access` key, so a leaked key cannot quietly clone itself. */
  readonly allowFullAccess: boolean
}

export interface CreatedApiKey {
  readonly key: ApiKey
  readonly plaintext: Redacted.Redacted<string>
}

/**
 * Mints a key. A key never mints a key that reaches further than itself: a test key mints test
 * keys only, and a domain-scoped key mints keys scoped to the same domain (the default).
 */
export const CreateApiKey = Effect.fn("CreateApiKey")(function* (
  principal: Principal,
  input: CreateApiKeyInput
) {
  const { teamId } = yield* authorize(principal, "apiKeys")
  const caller = principal._tag === "ApiKey" ? principal.key : undefined
  if (input.permission === "full_access" && caller !== undefined && !input.allowFullAccess) {
    return yield* new PermissionDenied({
      message: "Creating a full_access key with an API key requires allow_full_access: true"
    })
  }
  const mode = input.mode ?? caller?.mode ?? "live"
  if (caller?.mode === "test" && mode === "live") {
    return yield* new PermissionDenied({ message: "A test key cannot create live keys" })
  }
  const requested = input.domain === undefined ? null : yield* resolveDomain(principal, input.domain)
  const callerScope = caller?.domainId ?? null
  const domainId = requested ?? callerScope
  if (callerScope !== null && domainId !== callerScope) {
    return yield* new PermissionDenied({
      message: "A domain-scoped key can only create keys for its own domain"
    })
  }
  const material = yield* KeyMaterial
  const minted = yield* material.mint(mode)
  const keys = yield* ApiKeyRepository
  const key = yield* keys.insert({
    teamId,
    name: input.name,
    keyHash: minted.keyHash,
    keyPrefix: minted.keyPrefix,
    permission: input.permission,
    mode,
    domainId
  })
  yield* recordAudit(principal, "api_key.created", { type: "api_key", id: key.id }, keyDetails(key))
  return { key, plaintext: minted.plaintext } satisfies CreatedApiKey
})

const resolveDomain = Effect.fn("CreateApiKey.resolveDomain")(function* (
  principal: Principal,
  raw: string | number
) {
  const ref = parseDomainRef(raw)
  if (ref === undefined) {
    return yield* new ValidationFailed({ message: "domain_id must be a domain id or a dom_ public id" })
  }
  const domains = yield* DomainDirectory
  const found = yield* domains.resolve(principal.teamId, ref)
  if (Option.isNone(found)) return yield* new DomainNotFound()
  return found.value
})
