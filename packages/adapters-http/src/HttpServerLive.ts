import { createServer } from "node:http"
import { HttpApiBuilder, HttpApiScalar, HttpServer, type HttpServerError } from "@effect/platform"
import { StartupProblem } from "@poststack/application"
import { NodeHttpServer } from "@effect/platform-node"
import { Config, Effect, Layer } from "effect"
import { Api } from "@poststack/contract"
import { AccountLive } from "./handlers/AccountLive.js"
import { ApiKeysLive } from "./handlers/ApiKeysLive.js"
import { AuthLive, PublicScreenLive } from "./handlers/AuthLive.js"
import { DomainsLive } from "./handlers/DomainsLive.js"
import { EmailPreviewsLive } from "./handlers/EmailPreviewsLive.js"
import { EmailsLive } from "./handlers/EmailsLive.js"
import { EmailValidationsLive } from "./handlers/EmailValidationsLive.js"
import { HealthLive } from "./handlers/HealthLive.js"
import { WebhooksLive } from "./handlers/WebhooksLive.js"
import { InboundLive } from "./handlers/InboundLive.js"
import { NotificationChannelsLive } from "./handlers/NotificationChannelsLive.js"
import { SessionsLive } from "./handlers/SessionsLive.js"
import { SuppressionsLive } from "./handlers/SuppressionsLive.js"
import { TeamsLive } from "./handlers/TeamsLive.js"
import { TrackingLive } from "./handlers/TrackingLive.js"
import { accessLog } from "./middleware/AccessLog.js"
import { answerClientError } from "./middleware/ClientErrors.js"
import { TrustedProxies } from "./middleware/ClientAddress.js"
import { AuthenticationLive, FullAccessLive } from "./middleware/AuthenticationLive.js"
import { SessionAuthenticationLive } from "./middleware/SessionAuthenticationLive.js"
import { contractMiddleware } from "./middleware/Contract.js"
import * as RateLimitSettings from "./middleware/RateLimitSettings.js"
import { withRequestId } from "./middleware/RequestId.js"

export interface HttpOptions {
  readonly port: number
  readonly host: string
  /** Largest request body accepted, in bytes; larger ones get 413 before they are read. */
  readonly maxBodyBytes: number
  /** How long in-flight requests may run after a shutdown signal before their connections are cut. */
  readonly drainMs: number
  /** Reverse proxies in front of the server whose `X-Forwarded-For` entries are trusted; 0 by default. */
  readonly trustedProxyHops?: number
}

export const HttpConfig = Config.all({
  port: Config.port("PORT").pipe(Config.withDefault(3000)),
  host: Config.string("POSTSTACK_HOST").pipe(Config.withDefault("0.0.0.0")),
  maxBodyBytes: Config.integer("POSTSTACK_MAX_BODY_BYTES").pipe(Config.withDefault(40 * 1024 * 1024)),
  drainMs: Config.integer("POSTSTACK_SHUTDOWN_DRAIN_MS").pipe(Config.withDefault(10_000)),
  trustedProxyHops: Config.integer("POSTSTACK_TRUSTED_PROXY_HOPS").pipe(Config.withDefault(0))
})

const ApiLive = HttpApiBuilder.api(Api).pipe(
  Layer.provide([
    HealthLive,
    ApiKeysLive,
    DomainsLive,
    EmailsLive,
    EmailPreviewsLive,
    WebhooksLive,
    InboundLive,
    SuppressionsLive,
    TrackingLive,
    EmailValidationsLive,
    NotificationChannelsLive,
    AuthLive,
    SessionsLive,
    AccountLive,
    TeamsLive
  ]),
  Layer.provide([AuthenticationLive, FullAccessLive, SessionAuthenticationLive, PublicScreenLive])
)

/**
 * The public HTTP API on a Node server. Its output includes `HttpServer`, so callers (tests) can
 * read the bound address.
 */
export const layer = (options: HttpOptions) => {
  const server = createServer()
  server.on("clientError", answerClientError)
  // Built after the server layer, so its finalizer runs first: it bounds how long a hung request can hold shutdown.
  const drainDeadline = Layer.scopedDiscard(
    Effect.addFinalizer(() =>
      Effect.sync(() => setTimeout(() => server.closeAllConnections(), options.drainMs).unref())
    )
  )
  return HttpApiBuilder.serve((app) => withRequestId(accessLog(app))).pipe(
    Layer.provide(drainDeadline),
    Layer.provide(HttpApiScalar.layer({ path: "/docs" })),
    Layer.provide(HttpApiBuilder.middlewareOpenApi({ path: "/openapi.json" })),
    Layer.provide(contractMiddleware(Api, options.maxBodyBytes)),
    Layer.provide(
      ApiLive.pipe(Layer.provide(Layer.succeed(TrustedProxies, { hops: options.trustedProxyHops ?? 0 })))
    ),
    HttpServer.withLogAddress,
    Layer.provideMerge(
      NodeHttpServer.layer(() => server, { port: options.port, host: options.host }).pipe(
        Layer.mapError((error) => listenProblem(error, options))
      )
    )
  )
}

/** Why the port could not be bound, in the operator's terms. */
const listenProblem = (error: HttpServerError.ServeError, options: HttpOptions) => {
  const code = (error.cause as { code?: unknown } | undefined)?.code
  const where = `${options.host}:${options.port}`
  return new StartupProblem({
    message:
      code === "EADDRINUSE"
        ? `port ${options.port} is already in use (${where}): stop the process that holds it, or set PORT to a free port`
        : code === "EACCES"
          ? `port ${options.port} may not be bound by this user (${where}): set PORT to 1024 or above, or grant the right to bind low ports`
          : code === "EADDRNOTAVAIL"
            ? `${options.host} is not an address of this machine: fix POSTSTACK_HOST`
            : `cannot listen on ${where} (${String(code ?? error.cause)}): check PORT and POSTSTACK_HOST`
  })
}

/** Where clients and recipients reach this deployment; links in mail are built from it. */
export const PublicUrlConfig = Config.string("POSTSTACK_PUBLIC_URL").pipe(
  Config.validate({
    message: "POSTSTACK_PUBLIC_URL must be an http(s) URL",
    validation: (u) => /^https?:\/\/[^/\s]+/.test(u)
  }),
  Config.option
)

export const layerConfig = Layer.unwrapEffect(
  Effect.gen(function* () {
    const options = yield* HttpConfig
    const publicUrl = yield* PublicUrlConfig
    yield* Effect.logInfo("public URL").pipe(
      Effect.annotateLogs(
        "publicUrl",
        publicUrl._tag === "Some" ? publicUrl.value : `http://localhost:${options.port}`
      )
    )
    return layer(options)
  })
).pipe(Layer.provide(RateLimitSettings.layerConfig))
