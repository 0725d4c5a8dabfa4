import { HttpApiEndpoint, HttpApiGroup } from "@effect/platform"
import { Schema } from "effect"
import { UnavailableJson } from "../errors.js"

export class Liveness extends Schema.Class<Liveness>("Liveness")({ status: Schema.Literal("ok") }) {}

export class Readiness extends Schema.Class<Readiness>("Readiness")({
  status: Schema.Literal("ready"),
  database: Schema.Boolean,
  migrations: Schema.Boolean
}) {}

/** Probes for orchestrators; public, unmetered. */
export class HealthApi extends HttpApiGroup.make("health")
  .add(HttpApiEndpoint.get("healthz", "/healthz").addSuccess(Liveness))
  .add(HttpApiEndpoint.get("readyz", "/readyz").addSuccess(Readiness).addError(UnavailableJson)) {}
