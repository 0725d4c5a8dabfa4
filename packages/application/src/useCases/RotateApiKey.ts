import { type ApiKeyId, ResourceNotFound, type TeamId } from "@poststack/domain"
import { Effect, Option } from "effect"
import { ApiKeyRepository } from "../ports/ApiKeyRepository.js"
import { KeyMaterial } from "../ports/KeyMaterial.js"
import type { CreatedApiKey } from "./CreateApiKey.js"

/** Issues a new secret with the same name, permission, mode and scope; the old secret stops working at once. */
export const RotateApiKey = Effect.fn("RotateApiKey")(function* (teamId: TeamId, id: ApiKeyId) {
  const keys = yield* ApiKeyRepository
  const existing = yield* keys.get(teamId, id)
  if (Option.isNone(existing)) return yield* new ResourceNotFound({ message: "API key not found" })
  const material = yield* KeyMaterial
  const minted = yield* material.mint(existing.value.mode)
  const rotated = yield* keys.rotate(teamId, id, { keyHash: minted.keyHash, keyPrefix: minted.keyPrefix })
  if (Option.isNone(rotated)) return yield* new ResourceNotFound({ message: "API key not found" })
  return { key: rotated.value, plaintext: minted.plaintext } satisfies CreatedApiKey
})
