import { HttpApiBuilder } from "@effect/platform"
import { AddSuppression, ListSuppressions, RemoveSuppression } from "@poststack/application"
import { Effect } from "effect"
import { Api, CurrentPrincipal, SuppressionView } from "@poststack/contract"
import { listPage } from "./listPage.js"

export const SuppressionsLive = HttpApiBuilder.group(Api, "suppressions", (handlers) =>
  handlers
    .handle("list", ({ urlParams }) =>
      Effect.gen(function* () {
        const caller = yield* CurrentPrincipal
        const { entries, total } = yield* ListSuppressions(caller, urlParams.page, urlParams.perPage, {
          search: urlParams.search?.trim(),
          reason: urlParams.reason
        })
        return listPage(
          entries.map((e) => SuppressionView.make(e, { disableValidation: true })),
          urlParams,
          total
        )
      })
    )
    .handle("add", ({ payload }) =>
      Effect.flatMap(CurrentPrincipal, (caller) =>
        AddSuppression(caller, payload.email, payload.reason)
      ).pipe(Effect.as({ success: true as const }))
    )
    .handle("remove", ({ path }) =>
      Effect.flatMap(CurrentPrincipal, (caller) => RemoveSuppression(caller, path.email)).pipe(
        Effect.as({ success: true as const, deleted: true as const })
      )
    )
)
