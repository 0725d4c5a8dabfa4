import { HttpApiBuilder } from "@effect/platform"
import { HealthProbe, StoreUnavailable } from "@poststack/application"
import { Effect } from "effect"
import { Api, Liveness, Readiness } from "@poststack/contract"

export const HealthLive = HttpApiBuilder.group(Api, "health", (handlers) =>
  handlers
    .handle("healthz", () => Effect.succeed(Liveness.make({ status: "ok" }, { disableValidation: true })))
    .handle("readyz", () =>
      Effect.gen(function* () {
        const probe = yield* HealthProbe
        const state = yield* probe.readiness
        if (!state.database) return yield* new StoreUnavailable({ message: "Database unreachable" })
        if (!state.migrations) return yield* new StoreUnavailable({ message: "Database migrations pending" })
        return Readiness.make(
          { status: "ready", database: true, migrations: true },
          { disableValidation: true }
        )
      })
    )
)
