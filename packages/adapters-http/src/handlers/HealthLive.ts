import { HttpApiBuilder } from "@effect/platform"
import { HealthProbe, StoreUnavailable } from "@poststack/application"
import { Effect } from "effect"
import { Api } from "../Api.js"
import { Liveness, Readiness } from "../groups/HealthApi.js"

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
