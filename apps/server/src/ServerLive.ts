import {
  Argon2PasswordHasher,
  ConfigSystemMailSettings,
  GeoipLiteGeoLocator,
  GitHubOAuthProvider,
  NodeCryptoAccountTokens,
  OtpauthTotpVerifier,
  RspamdSpamChecker
} from "@poststack/adapters-external"
import { HttpServerLive } from "@poststack/adapters-http"
import { PgDatabase, RateLimiterStoreConfig } from "@poststack/adapters-persistence"
import { SmtpDoors } from "@poststack/adapters-smtp"
import {
  afterCheck,
  BootstrapLive,
  checkConfiguration,
  DedicatedIpsLive,
  jobs,
  periodicTasks,
  Services as CoreServices,
  WorkerLive
} from "@poststack/runtime"
import { Config, Effect, Layer } from "effect"

/**
 * Everything the HTTP API needs but the database itself (geolocation, spam scoring and accounts'
 * password hashing, tokens and system mail settings are the API's alone).
 */
export const Services = Layer.mergeAll(
  CoreServices,
  RateLimiterStoreConfig.layerConfig,
  GeoipLiteGeoLocator.layerConfig,
  RspamdSpamChecker.layerConfig,
  Argon2PasswordHasher.layerConfig,
  NodeCryptoAccountTokens.layer,
  OtpauthTotpVerifier.layer,
  GitHubOAuthProvider.layerConfig,
  ConfigSystemMailSettings.layerConfig
)

/**
 * The HTTP API, plus the worker in the same process when `POSTSTACK_RUN_WORKER` is true (the
 * default without `DATABASE_URL`, so one command runs everything on one laptop).
 */
const Composed = Layer.unwrapEffect(
  Effect.gen(function* () {
    const external = (yield* Config.option(Config.string("DATABASE_URL")))._tag === "Some"
    const runWorker = yield* Config.boolean("POSTSTACK_RUN_WORKER").pipe(Config.withDefault(!external))
    const http = Layer.provide(HttpServerLive.layerConfig, Layer.merge(BootstrapLive, DedicatedIpsLive))
    const doors = Layer.merge(http, SmtpDoors.layerConfig)
    return runWorker ? Layer.merge(doors, WorkerLive.layer(periodicTasks, jobs)) : doors
  })
).pipe(Layer.provide(Services), Layer.provide(PgDatabase.layerConfig))

/** Every setting is checked before the database is started or migrated. */
export const ServerLive = afterCheck(
  Effect.all([
    checkConfiguration,
    HttpServerLive.HttpConfig,
    HttpServerLive.PublicUrlConfig,
    HttpServerLive.TlsConfig
  ]),
  Composed
)
