import { type ApiKeyId, ResourceNotFound, type TeamId } from "@poststack/domain"
import { Effect, Option } from "effect"
import { ApiKeyRepository } from "../ports/ApiKeyRepository.js"

const notFound = () => new ResourceNotFound({ message: "API key not found" })

export const ListApiKeys = Effect.fn("ListApiKeys")(function* (teamId: TeamId) {
  const keys = yield* ApiKeyRepository
  return yield* keys.list(teamId)
})

export const GetApiKey = Effect.fn("GetApiKey")(function* (teamId: TeamId, id: ApiKeyId) {
  const keys = yield* ApiKeyRepository
  return yield* Effect.flatMap(
    keys.get(teamId, id),
    Option.match({ onNone: () => Effect.fail(notFound()), onSome: Effect.succeed })
  )
})

export const RenameApiKey = Effect.fn("RenameApiKey")(function* (teamId: TeamId, id: ApiKeyId, name: string) {
  const keys = yield* ApiKeyRepository
  return yield* Effect.flatMap(
    keys.rename(teamId, id, name),
    Option.match({ onNone: () => Effect.fail(notFound()), onSome: Effect.succeed })
  )
})

export const RevokeApiKey = Effect.fn("RevokeApiKey")(function* (teamId: TeamId, id: ApiKeyId) {
  const keys = yield* ApiKeyRepository
  if (!(yield* keys.delete(teamId, id))) return yield* notFound()
})
