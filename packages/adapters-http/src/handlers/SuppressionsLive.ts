import { HttpApiBuilder } from "@effect/platform"
import { AddSuppression, ListSuppressions, RemoveSuppression, viaApiKey } from "@poststack/application"
import { Effect } from "effect"
import { Api, CurrentApiKey, SuppressionView } from "@poststack/contract"

export const SuppressionsLive = HttpApiBuilder.group(Api, "suppressions", (handlers) =>
  handlers
    .handle("list", ({ urlParams }) =>
      Effect.gen(function* () {
        const caller = yield* CurrentApiKey
        const { entries, total } = yield* ListSuppressions(
          viaApiKey(caller),
          urlParams.page,
          urlParams.perPage
        )
        return {
          data: entries.map((e) => SuppressionView.make(e, { disableValidation: true })),
          meta: {
            page: urlParams.page,
            perPage: urlParams.perPage,
            total,
            totalPages: Math.ceil(total / urlParams.perPage)
          }
        }
      })
    )
    .handle("add", ({ payload }) =>
      Effect.flatMap(CurrentApiKey, (caller) =>
        AddSuppression(viaApiKey(caller), payload.email, payload.reason)
      ).pipe(Effect.as({ success: true as const }))
    )
    .handle("remove", ({ path }) =>
      Effect.flatMap(CurrentApiKey, (caller) => RemoveSuppression(viaApiKey(caller), path.email)).pipe(
        Effect.as({ success: true as const, deleted: true as const })
      )
    )
)
