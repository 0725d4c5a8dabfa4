import { readFileSync } from "node:fs"
import { createServer, type Server } from "node:http"
import { createServer as createTlsServer } from "node:https"
import { createSecureContext } from "node:tls"
import {
  Etag,
  FileSystem,
  HttpApi,
  HttpApiBuilder,
  HttpApiScalar,
  HttpIncomingMessage,
  HttpPlatform,
  HttpServer,
  type HttpServerError,
  Path
} from "@effect/platform"
import { StartupProblem } from "@poststack/application"
import { NodeHttpServer } from "@effect/platform-node"
import { Config, Effect, Layer, Option, Redacted } from "effect"
import { builtFrom } from "./BuiltFrom.js"
import { Api } from "@poststack/contract"
import { AccountLive } from "./handlers/AccountLive.js"
import { TwoFactorLive } from "./handlers/TwoFactorLive.js"
import { GitHubAccountLive, GitHubAuthLive } from "./handlers/GitHubLive.js"
import { ApiKeysLive } from "./handlers/ApiKeysLive.js"
import { AuthLive, PublicScreenLive } from "./handlers/AuthLive.js"
import { ContactPropertiesLive } from "./handlers/ContactPropertiesLive.js"
import { BillingLive, BillingWebhookLive } from "./handlers/BillingLive.js"
import { PrivacyLive } from "./handlers/PrivacyLive.js"
import { SubscriptionTopicsLive } from "./handlers/SubscriptionTopicsLive.js"
import { ContactsLive } from "./handlers/ContactsLive.js"
import { TemplatesLive } from "./handlers/TemplatesLive.js"
import { BroadcastsLive } from "./handlers/BroadcastsLive.js"
import { SegmentsLive } from "./handlers/SegmentsLive.js"
import { DomainsLive } from "./handlers/DomainsLive.js"
import { EmailPreviewsLive } from "./handlers/EmailPreviewsLive.js"
import { EmailsLive } from "./handlers/EmailsLive.js"
import { EmailValidationsLive } from "./handlers/EmailValidationsLive.js"
import { HealthLive } from "./handlers/HealthLive.js"
import { AuditLogLive, RequestLogsLive } from "./handlers/LogsLive.js"
import { WebhooksLive } from "./handlers/WebhooksLive.js"
import { InboundLive } from "./handlers/InboundLive.js"
import { NotificationChannelsLive } from "./handlers/NotificationChannelsLive.js"
import { SessionsLive } from "./handlers/SessionsLive.js"
import { SignupFormsLive } from "./handlers/SignupFormsLive.js"
import { WorkflowsLive } from "./handlers/WorkflowsLive.js"
import { SignupFormSubmitLive } from "./handlers/SignupFormSubmitLive.js"
import { SuppressionsLive } from "./handlers/SuppressionsLive.js"
import { TeamsLive } from "./handlers/TeamsLive.js"
import { TrackingLive } from "./handlers/TrackingLive.js"
import { accessLog } from "./middleware/AccessLog.js"
import { hasBuild, serveDashboard } from "./middleware/DashboardFiles.js"
import { answerClientError } from "./middleware/ClientErrors.js"
import { TrustedProxies } from "./middleware/ClientAddress.js"
import { AuthenticationLive, FullAccessLive } from "./middleware/AuthenticationLive.js"
import { SessionAuthenticationLive } from "./middleware/SessionAuthenticationLive.js"
import { contractMiddleware } from "./middleware/Contract.js"
import * as RateLimitSettings from "./middleware/RateLimitSettings.js"
import { withRequestId } from "./middleware/RequestId.js"
import { signupFormCors } from "./middleware/SignupFormCors.js"

export interface HttpOptions {
  readonly port: number
  readonly host: string
  /** Largest request body accepted, in bytes; larger ones get 413 before they are read. */
  readonly maxBodyBytes: number
  /** How long in-flight requests may run after a shutdown signal before their connections are cut. */
  readonly drainMs: number
  /** Reverse proxies in front of the server whose `X-Forwarded-For` entries are trusted; 0 by default. */
  readonly trustedProxyHops?: number
  /** Serve HTTPS with this certificate chain and key (PEM), TLS 1.2 or newer; plain HTTP without it. */
  readonly tls?: TlsFiles
  /** The dashboard's build (`apps/dashboard/dist`), served at `/`; none when absent. */
  readonly dashboardDir?: string
}

export interface TlsFiles {
  readonly cert: string
  readonly key: Redacted.Redacted<string>
}

/** The oldest TLS the built-in HTTPS server speaks: 1.0 and 1.1 are refused in the handshake. */
export const TLS_MIN_VERSION = "TLSv1.2" as const

export const HttpConfig = Config.all({
  port: Config.port("PORT").pipe(Config.withDefault(3000)),
  host: Config.string("POSTSTACK_HOST").pipe(Config.withDefault("0.0.0.0")),
  maxBodyBytes: Config.integer("POSTSTACK_MAX_BODY_BYTES").pipe(Config.withDefault(40 * 1024 * 1024)),
  drainMs: Config.integer("POSTSTACK_SHUTDOWN_DRAIN_MS").pipe(Config.withDefault(10_000)),
  trustedProxyHops: Config.integer("POSTSTACK_TRUSTED_PROXY_HOPS").pipe(Config.withDefault(0)),
  dashboardDir: Config.string("POSTSTACK_DASHBOARD_DIR").pipe(Config.withDefault("apps/dashboard/dist"))
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
    AuditLogLive,
    RequestLogsLive,
    AuthLive,
    SessionsLive,
    AccountLive,
    TwoFactorLive,
    GitHubAuthLive,
    GitHubAccountLive,
    TeamsLive,
    ContactsLive,
    ContactPropertiesLive,
    BillingLive,
    BillingWebhookLive,
    PrivacyLive,
    SignupFormsLive,
    WorkflowsLive,
    SignupFormSubmitLive,
    SubscriptionTopicsLive,
    TemplatesLive,
    SegmentsLive,
    BroadcastsLive
  ]),
  Layer.provide([AuthenticationLive, FullAccessLive, SessionAuthenticationLive, PublicScreenLive])
)

/**
 * The public HTTP API on a Node server. Its output includes `HttpServer`, so callers (tests) can
 * read the bound address.
 */
export const layer = (options: HttpOptions) => {
  // An HTTPS server is an HTTP server over TLS: the same request and connection API, which is all
  // the platform's Node server uses.
  const server: Server =
    options.tls === undefined
      ? createServer()
      : (createTlsServer({
          cert: options.tls.cert,
          key: Redacted.value(options.tls.key),
          minVersion: TLS_MIN_VERSION
        }) as unknown as Server)
  server.on("clientError", answerClientError)
  // Built after the server layer, so its finalizer runs first: it bounds how long a hung request can hold shutdown.
  const drainDeadline = Layer.scopedDiscard(
    Effect.addFinalizer(() =>
      Effect.sync(() => setTimeout(() => server.closeAllConnections(), options.drainMs).unref())
    )
  )
  const dashboard = serveDashboard(options.dashboardDir)
  const trustedProxies = Layer.succeed(TrustedProxies, { hops: options.trustedProxyHops ?? 0 })
  // Served from what serving reads: the Node server and the platform's services, the API (whose
  // groups answer from their own context), and the two settings the middlewares would otherwise
  // add to each request.
  return builtFrom(
    HttpApiBuilder.serve((app) => withRequestId(accessLog(signupFormCors(dashboard(app))))),
    HttpServer.HttpServer,
    HttpPlatform.HttpPlatform,
    Etag.Generator,
    FileSystem.FileSystem,
    Path.Path,
    HttpApi.Api,
    TrustedProxies,
    HttpIncomingMessage.MaxBodySize
  ).pipe(
    Layer.provide(drainDeadline),
    // Every request's fiber starts from the context the server is built in. With what the
    // middlewares would add to each request already in it (the body limit, the trusted proxies),
    // they add nothing, and no request copies the server's hundred services to add them.
    Layer.provide(
      Layer.merge(
        trustedProxies,
        Layer.succeed(HttpIncomingMessage.MaxBodySize, Option.some(FileSystem.Size(options.maxBodyBytes)))
      )
    ),
    Layer.provide(HttpApiScalar.layer({ path: "/docs" })),
    Layer.provide(HttpApiBuilder.middlewareOpenApi({ path: "/openapi.json" })),
    Layer.provide(contractMiddleware(Api, options.maxBodyBytes)),
    Layer.provide(ApiLive.pipe(Layer.provide(trustedProxies))),
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

/**
 * `POSTSTACK_TLS_CERT_FILE` and `POSTSTACK_TLS_KEY_FILE` (PEM): both for HTTPS, neither for plain
 * HTTP (behind a reverse proxy that terminates TLS). One without the other, or a file that cannot
 * be read, stops the start with the fix.
 */
export const TlsConfig = Effect.gen(function* () {
  const certFile = yield* Config.option(Config.string("POSTSTACK_TLS_CERT_FILE"))
  const keyFile = yield* Config.option(Config.string("POSTSTACK_TLS_KEY_FILE"))
  if (Option.isNone(certFile) && Option.isNone(keyFile)) return undefined
  if (Option.isNone(certFile) || Option.isNone(keyFile))
    return yield* new StartupProblem({
      message:
        "HTTPS needs both POSTSTACK_TLS_CERT_FILE and POSTSTACK_TLS_KEY_FILE: set both (PEM files), or neither for plain HTTP"
    })
  const read = (variable: string, file: string) =>
    Effect.try({
      try: () => readFileSync(file, "utf8"),
      catch: (error) =>
        new StartupProblem({
          message: `${variable} (${file}) cannot be read (${(error as { code?: string }).code ?? String(error)}): point it at a readable PEM file`
        })
    })
  const files: TlsFiles = {
    cert: yield* read("POSTSTACK_TLS_CERT_FILE", certFile.value),
    key: Redacted.make(yield* read("POSTSTACK_TLS_KEY_FILE", keyFile.value))
  }
  // Parsed once here, so a wrong file or a key that does not match the certificate is said at start.
  yield* Effect.try({
    try: () => createSecureContext({ cert: files.cert, key: Redacted.value(files.key) }),
    catch: (error) =>
      new StartupProblem({
        message: `POSTSTACK_TLS_CERT_FILE and POSTSTACK_TLS_KEY_FILE are not a PEM certificate and its key (${(error as Error).message}): check both files`
      })
  })
  return files
})

export const layerConfig = Layer.unwrapEffect(
  Effect.gen(function* () {
    const tls = yield* TlsConfig
    const options: HttpOptions = { ...(yield* HttpConfig), ...(tls === undefined ? {} : { tls }) }
    if (tls !== undefined) yield* Effect.logInfo("serving HTTPS (TLS 1.2 or newer)")
    const publicUrl = yield* PublicUrlConfig
    yield* Effect.logInfo("public URL").pipe(
      Effect.annotateLogs(
        "publicUrl",
        publicUrl._tag === "Some" ? publicUrl.value : `http://localhost:${options.port}`
      )
    )
    if (!hasBuild(options.dashboardDir)) {
      yield* Effect.logWarning("dashboard not built: / serves no pages (pnpm start builds it)").pipe(
        Effect.annotateLogs("dashboardDir", options.dashboardDir)
      )
    }
    return layer(options)
  })
).pipe(Layer.provide(RateLimitSettings.layerConfig))
