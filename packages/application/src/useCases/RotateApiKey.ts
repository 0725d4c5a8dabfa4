import { type ApiKeyId, ApiKeyNotFound } from "@poststack/domain"
import { Effect, Option } from "effect"
import { ApiKeyRepository } from "../ports/ApiKeyRepository.js"
import { KeyMaterial } from "../ports/KeyMaterial.js"
import type { CreatedApiKey } from "./CreateApiKey.js"
import { GetApiKey } from "./ManageApiKeys.js"
import type { Principal } from "./Principal.js"
import { keyDetails, recordAudit } from "./audit/RecordAudit.js"

/**
 * Issues a new secret with the same name, permission, mode and scope; the old secret stops working
 * at once. Only a key the principal may manage (`GetApiKey`) is rotated: the new secret is handed
 * to the caller, so rotating a stronger key would be minting one.
 */
export const RotateApiKey = Effect.fn("RotateApiKey")(function* (principal: Principal, id: ApiKeyId) {
  const existing = yield* GetApiKey(principal, id)
  const material = yield* KeyMaterial
  const minted = yield* material.mint(existing.mode)
  const keys = yield* ApiKeyRepository
  const rotated = yield* keys.rotate(principal.teamId, id, {
    keyHash: minted.keyHash,
    keyPrefix: minted.keyPrefix
  })
  if (Option.isNone(rotated)) return yield* new ApiKeyNotFound()
  yield* recordAudit(
    principal,
    "api_key.rotated",
    { type: "api_key", id: rotated.value.id },
    {
      ...keyDetails(rotated.value),
      previous_id: String(id)
    }
  )
  return { key: rotated.value, plaintext: minted.plaintext } satisfies CreatedApiKey
})
