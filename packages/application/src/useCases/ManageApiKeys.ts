import { type ApiKeyId, reachesNoFurther, ApiKeyNotFound } from "@poststack/domain"
import { Effect, Option } from "effect"
import { ApiKeyRepository } from "../ports/ApiKeyRepository.js"
import { authorize, type Principal, reachOf } from "./Principal.js"
import { keyDetails, recordAudit } from "./audit/RecordAudit.js"

const notFound = () => new ApiKeyNotFound()

/**
 * The keys a principal may see and manage: those reaching no further than itself. A scoped key
 * sees its domain's keys, a test key test keys; any other key of the team is not found, so no key
 * can rotate, revoke or rename a stronger one.
 */
export const ListApiKeys = Effect.fn("ListApiKeys")(function* (principal: Principal) {
  const { teamId } = yield* authorize(principal, "apiKeys")
  const keys = yield* ApiKeyRepository
  const reach = reachOf(principal)
  return (yield* keys.list(teamId)).filter((key) => reachesNoFurther(key, reach))
})

export const GetApiKey = Effect.fn("GetApiKey")(function* (principal: Principal, id: ApiKeyId) {
  const { teamId } = yield* authorize(principal, "apiKeys")
  const keys = yield* ApiKeyRepository
  const found = yield* keys.get(teamId, id)
  if (Option.isNone(found) || !reachesNoFurther(found.value, reachOf(principal))) return yield* notFound()
  return found.value
})

export const RenameApiKey = Effect.fn("RenameApiKey")(function* (
  principal: Principal,
  id: ApiKeyId,
  name: string
) {
  yield* GetApiKey(principal, id)
  const keys = yield* ApiKeyRepository
  return yield* Effect.flatMap(
    keys.rename(principal.teamId, id, name),
    Option.match({ onNone: () => Effect.fail(notFound()), onSome: Effect.succeed })
  )
})

export const RevokeApiKey = Effect.fn("RevokeApiKey")(function* (principal: Principal, id: ApiKeyId) {
  const key = yield* GetApiKey(principal, id)
  const keys = yield* ApiKeyRepository
  if (!(yield* keys.delete(principal.teamId, id))) return yield* notFound()
  yield* recordAudit(principal, "api_key.revoked", { type: "api_key", id }, keyDetails(key))
})
