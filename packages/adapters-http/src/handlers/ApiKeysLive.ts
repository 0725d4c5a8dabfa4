import { HttpApiBuilder } from "@effect/platform"
import {
  CreateApiKey,
  GetApiKey,
  ListApiKeys,
  RenameApiKey,
  RevokeApiKey,
  RotateApiKey
} from "@poststack/application"
import { type ApiKey, ApiKeyId, ValidationFailed } from "@poststack/domain"
import { Effect, Redacted } from "effect"
import { Api, ApiKeyView, CurrentPrincipal } from "@poststack/contract"

export const toApiKeyView = (key: ApiKey, plaintext?: Redacted.Redacted<string>): ApiKeyView =>
  ApiKeyView.make(
    {
      id: key.id,
      name: key.name,
      keyPrefix: key.keyPrefix,
      permission: key.permission,
      mode: key.mode,
      domainId: key.domainId,
      lastUsedAt: key.lastUsedAt,
      expiresAt: key.expiresAt,
      createdAt: key.createdAt,
      ...(plaintext === undefined ? {} : { key: Redacted.value(plaintext) })
    },
    { disableValidation: true }
  )

export const ApiKeysLive = HttpApiBuilder.group(Api, "apiKeys", (handlers) =>
  handlers
    .handle("create", ({ payload }) =>
      Effect.gen(function* () {
        const caller = yield* CurrentPrincipal
        const scopes = [...(payload.domainIds ?? []), ...(payload.domainId == null ? [] : [payload.domainId])]
        if (new Set(scopes.map(String)).size > 1) {
          return yield* new ValidationFailed({ message: "A key can be scoped to one domain" })
        }
        const created = yield* CreateApiKey(caller, {
          name: payload.name,
          permission: payload.permission,
          mode: payload.mode,
          domain: scopes[0],
          allowFullAccess: payload.allowFullAccess
        })
        return toApiKeyView(created.key, created.plaintext)
      })
    )
    .handle("list", () =>
      Effect.gen(function* () {
        const caller = yield* CurrentPrincipal
        const keys = yield* ListApiKeys(caller)
        return { keys: keys.map((key) => toApiKeyView(key)) }
      })
    )
    .handle("get", ({ path }) =>
      Effect.flatMap(CurrentPrincipal, (caller) => GetApiKey(caller, ApiKeyId.make(path.id))).pipe(
        Effect.map((key) => toApiKeyView(key))
      )
    )
    .handle("update", ({ path, payload }) =>
      Effect.flatMap(CurrentPrincipal, (caller) =>
        payload.name === undefined
          ? GetApiKey(caller, ApiKeyId.make(path.id))
          : RenameApiKey(caller, ApiKeyId.make(path.id), payload.name)
      ).pipe(Effect.map((key) => toApiKeyView(key)))
    )
    .handle("rotate", ({ path }) =>
      Effect.flatMap(CurrentPrincipal, (caller) => RotateApiKey(caller, ApiKeyId.make(path.id))).pipe(
        Effect.map((rotated) => toApiKeyView(rotated.key, rotated.plaintext))
      )
    )
    .handle("revoke", ({ path }) =>
      Effect.flatMap(CurrentPrincipal, (caller) => RevokeApiKey(caller, ApiKeyId.make(path.id))).pipe(
        Effect.as({ success: true as const, deleted: true as const })
      )
    )
)
