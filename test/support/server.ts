import { randomUUID } from "node:crypto"
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import * as path from "node:path"
import { HttpServer } from "@effect/platform"
import {
  Argon2PasswordHasher,
  ConfigSystemMailSettings,
  HttpNotificationSender,
  GeoipLiteGeoLocator,
  LiquidTemplateEngine,
  GitHubOAuthProvider,
  NodeCryptoAccountTokens,
  NodeCryptoDigest,
  NodeCryptoDkimKeyGenerator,
  NodeCryptoKeyMaterial,
  NodeCryptoSecretBox,
  NodeCryptoTrackingLinks,
  NodeCryptoWebhookSigner,
  NodeDnsResolver,
  OtpauthTotpVerifier,
  NodeHttpWebhookTransport,
  PackagedAddressLists,
  PlanRetentionPolicySource,
  RspamdSpamChecker,
  StripeBillingGateway,
  TldtsPublicSuffixList,
  UaParserUserAgentParser
} from "@poststack/adapters-external"
import {
  ConfigMailHosts,
  FastXmlDmarcReportReader,
  Htmlparser2HtmlScanner,
  MailauthSenderAuthenticator,
  MailparserMailParser,
  NodeCryptoDkimSigner,
  NodemailerMailTransport,
  NodemailerMessageComposer
} from "@poststack/adapters-smtp"
import { HttpServerLive, RateLimitSettings } from "@poststack/adapters-http"
import {
  FileBlobStore,
  MemoryRateLimiterStore,
  PgDatabase,
  PgPersistence,
  RateLimiterStoreConfig
} from "@poststack/adapters-persistence"
import {
  BootstrapTeam,
  PepperLegacyKeyHashes,
  type RateLimiterStore,
  SecretBox
} from "@poststack/application"
import { type MailHosts, parseMailbox } from "@poststack/domain"
import { Effect, Exit, Layer, Logger, LogLevel, Option, Redacted, Scope } from "effect"

export interface TestServerOptions {
  /** Where received mail is kept; a fresh temporary folder by default. */
  readonly blobDir?: string
  readonly databaseUrl: string
  /** Share rate-limit counts through this Redis instead of in-process memory. */
  readonly redisUrl?: string
  /** Servers given the same prefix share counts; by default each server gets its own. */
  readonly redisPrefix?: string
  readonly rateLimit?: { readonly limit: number; readonly windowMs: number }
  readonly authFailureLimit?: number
  /** The window invalid keys are counted in; a minute, as in production, by default. */
  readonly authFailureWindowMs?: number
  readonly maxBodyBytes?: number
  /** Receives every log line the server writes, as JSON text. */
  readonly logSink?: (line: string) => void
  /** DNS servers (`host:port`) the server asks; by default a closed port, so DNS is unavailable. */
  readonly dnsServers?: ReadonlyArray<string>
  readonly mailHosts?: MailHosts
  readonly webhooks?: {
    readonly allowLoopback: boolean
    readonly timeoutMs: number
    readonly hostsFile?: string
  }
  /** Telegram's Bot API (a local fake); by default a closed port. */
  readonly telegramApiUrl?: string
  /** More listeners (the SMTP doors) built on the same services as the HTTP API. */
  readonly doors?: Layer.Layer<never, never, TestServices | RateLimiterStore>
  /** Reverse proxies whose `X-Forwarded-For` entries the server trusts. */
  readonly trustedProxyHops?: number
  /** The rspamd worker spam previews ask; none (scoring not configured) by default. */
  readonly rspamdUrl?: string
  /** Serve HTTPS with this certificate and key (PEM) instead of plain HTTP. */
  readonly tls?: { readonly cert: string; readonly key: string }
  /** The sender of system mail (`POSTSTACK_SYSTEM_FROM`); none (system mail not sent) by default. */
  readonly systemFrom?: string
  /** GitHub sign-in against a fake GitHub; not configured by default. */
  readonly github?: GitHubOAuthProvider.GitHubOptions
  /** Argon2id cost of password hashes; cheap (1 MiB, one pass) by default, to keep tests fast. */
  readonly passwordCost?: { readonly memoryCost: number; readonly timeCost: number }
  /** The dashboard's build to serve at `/`; none by default. */
  readonly dashboardDir?: string
  /** Stripe (a local fake); billing not configured by default. */
  readonly stripe?: StripeBillingGateway.StripeOptions
}

export interface TestServer {
  readonly baseUrl: string
  readonly close: () => Promise<void>
  /** Runs the bootstrap use case against this server's database, returning the printed key if any. */
  readonly bootstrap: (key?: string) => Promise<string | undefined>
}

/** The hosts test domains point at; 127.0.0.1 is the only address our test mail comes from. */
export const TEST_MAIL_HOSTS: MailHosts = {
  mxHost: "mx.poststack.test",
  spfMechanisms: ["ip4:127.0.0.1"],
  trackingTarget: "track.poststack.test"
}

const defaultBlobDir = () => mkdtempSync(path.join(tmpdir(), "poststack-blobs-"))

/** A fixed encryption key: tests may compare sealed values across processes. */
export const TEST_ENCRYPTION_KEY = Buffer.alloc(32, 7).toString("base64")

/** Every port, as the apps compose them, but configured by the test rather than the environment. */
export const testServices = (options: {
  readonly dnsServers?: ReadonlyArray<string>
  readonly mailHosts?: MailHosts
  /** The port receiving MTAs listen on (a test sink); by default a closed one. */
  readonly mxPort?: number
  /** A smart host that takes all mail instead of MX delivery. */
  readonly relayUrl?: string
  /**
   * Let MX hosts at loopback and private addresses be reached (the test sinks listen on
   * loopback); by default they are refused, as in production.
   */
  readonly allowPrivateMx?: boolean
  /** Webhook transport settings; by default loopback is refused, as in production. */
  readonly webhooks?: {
    readonly allowLoopback: boolean
    readonly timeoutMs: number
    readonly hostsFile?: string
  }
  /** Where received mail is kept; a fresh temporary folder by default. */
  readonly blobDir?: string
  /** Where tracking and unsubscribe links in delivered mail point (a test server's base URL). */
  readonly publicUrl?: string
  /** Telegram's Bot API (a local fake); by default a closed port. */
  readonly telegramApiUrl?: string
  /** The rspamd worker spam previews ask; none (scoring not configured) by default. */
  readonly rspamdUrl?: string
  /** Stripe (a local fake); billing not configured by default. */
  readonly stripe?: StripeBillingGateway.StripeOptions
}) => {
  const base = Layer.mergeAll(
    PgPersistence,
    NodeCryptoKeyMaterial.layer(Redacted.make(new Uint8Array(Buffer.from(TEST_ENCRYPTION_KEY, "base64")))),
    NodeCryptoDigest.layer,
    NodeCryptoDkimKeyGenerator.layer,
    Layer.succeed(
      SecretBox,
      NodeCryptoSecretBox.make(Redacted.make(new Uint8Array(Buffer.from(TEST_ENCRYPTION_KEY, "base64"))))
    ),
    NodeDnsResolver.layer({ servers: options.dnsServers ?? ["127.0.0.1:1"], timeoutMs: 1000 }),
    TldtsPublicSuffixList.layer,
    ConfigMailHosts.layer(options.mailHosts ?? TEST_MAIL_HOSTS),
    NodemailerMessageComposer.layer,
    MailparserMailParser.layer,
    FastXmlDmarcReportReader.layer,
    MailauthSenderAuthenticator.layer({
      dnsServers: options.dnsServers ?? ["127.0.0.1:1"],
      timeoutMs: 1000,
      mta: (options.mailHosts ?? TEST_MAIL_HOSTS).mxHost
    }),
    FileBlobStore.layer(options.blobDir ?? defaultBlobDir()),
    NodemailerMailTransport.layer({
      mxPort: options.mxPort ?? 1,
      heloName: "mta.poststack.test",
      relayUrl: options.relayUrl === undefined ? Option.none() : Option.some(Redacted.make(options.relayUrl)),
      connectTimeoutMs: 2_000,
      socketTimeoutMs: 5_000,
      perDestination: 4,
      slotWaitMs: 2_000,
      idleMs: 1_000,
      allowPrivateMx: options.allowPrivateMx ?? false
    }),
    NodeCryptoTrackingLinks.layer({
      secret: Redacted.make(new Uint8Array(Buffer.from(TEST_ENCRYPTION_KEY, "base64"))),
      publicUrl: options.publicUrl ?? "http://127.0.0.1:1"
    }),
    UaParserUserAgentParser.layer,
    Htmlparser2HtmlScanner.layer,
    NodeCryptoWebhookSigner.layer,
    PackagedAddressLists.layer,
    GeoipLiteGeoLocator.layer,
    LiquidTemplateEngine.layer,
    options.rspamdUrl === undefined
      ? RspamdSpamChecker.layerNotConfigured
      : RspamdSpamChecker.layer({ url: new URL(options.rspamdUrl), timeoutMs: 15_000 }),
    options.stripe === undefined
      ? StripeBillingGateway.layerNotConfigured
      : StripeBillingGateway.layer(options.stripe)
  )
  const transport = NodeHttpWebhookTransport.layer(
    options.webhooks ?? { allowLoopback: false, timeoutMs: 5_000 }
  ).pipe(Layer.provide(base))
  return Layer.mergeAll(
    base,
    NodeCryptoDkimSigner.layer.pipe(Layer.provide(base)),
    PlanRetentionPolicySource.layer(30).pipe(Layer.provide(base)),
    transport,
    HttpNotificationSender.layer({ telegramApiUrl: options.telegramApiUrl ?? "http://127.0.0.1:1" }).pipe(
      Layer.provide(transport)
    )
  )
}

type TestServices = Layer.Layer.Success<ReturnType<typeof testServices>>

/** The real HTTP API on an ephemeral loopback port, over a real PostgreSQL. */
export const startTestServer = async (options: TestServerOptions): Promise<TestServer> => {
  const store =
    options.redisUrl === undefined
      ? MemoryRateLimiterStore.layer
      : RateLimiterStoreConfig.layerRedisWithFallback(
          Redacted.make(options.redisUrl),
          options.redisPrefix ?? `test:${randomUUID()}:`
        )
  // Cheap Argon2 parameters keep tests fast; production's floor is OWASP's (Argon2PasswordHasher.layerConfig).
  const accounts = Layer.mergeAll(
    Argon2PasswordHasher.layer(options.passwordCost ?? { memoryCost: 1024, timeCost: 1 }),
    NodeCryptoAccountTokens.layer,
    OtpauthTotpVerifier.layer,
    options.github === undefined
      ? GitHubOAuthProvider.layerNotConfigured
      : GitHubOAuthProvider.layer(options.github),
    ConfigSystemMailSettings.layer({
      from: Option.fromNullable(
        options.systemFrom === undefined ? undefined : parseMailbox(options.systemFrom)
      ),
      publicUrl: "http://dashboard.poststack.test"
    })
  )
  const services = testServices(options).pipe(
    Layer.merge(store),
    Layer.merge(accounts),
    Layer.provideMerge(PgDatabase.layer(Redacted.make(options.databaseUrl), { maxConnections: 5 }))
  )
  const http = HttpServerLive.layer({
    port: 0,
    host: "127.0.0.1",
    maxBodyBytes: options.maxBodyBytes ?? 1024 * 1024,
    drainMs: 1000,
    trustedProxyHops: options.trustedProxyHops ?? 0,
    ...(options.tls === undefined
      ? {}
      : { tls: { cert: options.tls.cert, key: Redacted.make(options.tls.key) } }),
    ...(options.dashboardDir === undefined ? {} : { dashboardDir: options.dashboardDir })
  }).pipe(
    Layer.provide(
      RateLimitSettings.layer({
        perKey: options.rateLimit ?? { limit: 1000, windowMs: 1000 },
        authFailuresPerAddress: {
          limit: options.authFailureLimit ?? 1000,
          windowMs: options.authFailureWindowMs ?? 60_000
        }
      })
    )
  )
  const sink = options.logSink
  const logging =
    sink === undefined
      ? Logger.minimumLogLevel(LogLevel.Warning)
      : Logger.replace(
          Logger.defaultLogger,
          Logger.map(Logger.jsonLogger, (line) => sink(line))
        )
  // As the server's BootstrapLive: keys stored before peppering are converted before the API serves.
  const pepperLegacyHashes = Layer.effectDiscard(PepperLegacyKeyHashes())
  const app = Layer.mergeAll(
    Layer.provide(http, pepperLegacyHashes),
    options.doors ?? Layer.empty,
    services
  ).pipe(Layer.provideMerge(services), Layer.provide(logging))
  const scope = Effect.runSync(Scope.make())
  const context = await Effect.runPromise(Layer.buildWithScope(app, scope))
  const runtimeEffect = <A, E>(effect: Effect.Effect<A, E, Layer.Layer.Success<typeof app>>) =>
    Effect.runPromise(Effect.provide(effect, context))
  const address = await runtimeEffect(Effect.map(HttpServer.HttpServer, (s) => s.address))
  if (address._tag !== "TcpAddress") throw new Error("expected a TCP address")
  return {
    baseUrl: `${options.tls === undefined ? "http" : "https"}://127.0.0.1:${address.port}`,
    close: () => Effect.runPromise(Scope.close(scope, Exit.void)),
    bootstrap: (key) =>
      runtimeEffect(
        BootstrapTeam(key === undefined ? Option.none() : Option.some(Redacted.make(key))).pipe(
          Effect.map((result) =>
            result._tag === "Created"
              ? Option.getOrUndefined(Option.map(result.plaintext, Redacted.value))
              : undefined
          )
        )
      )
  }
}
