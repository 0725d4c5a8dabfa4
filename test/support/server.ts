import { randomUUID } from "node:crypto"
import { HttpServer } from "@effect/platform"
import { NodeCryptoKeyMaterial } from "@poststack/adapters-external"
import { HttpServerLive, RateLimitSettings } from "@poststack/adapters-http"
import {
  MemoryRateLimiterStore,
  PgDatabase,
  PgPersistence,
  RateLimiterStoreConfig
} from "@poststack/adapters-persistence"
import { BootstrapTeam } from "@poststack/application"
import { Effect, Exit, Layer, Logger, LogLevel, Option, Redacted, Scope } from "effect"

export interface TestServerOptions {
  readonly databaseUrl: string
  /** Share rate-limit counts through this Redis instead of in-process memory. */
  readonly redisUrl?: string
  /** Servers given the same prefix share counts; by default each server gets its own. */
  readonly redisPrefix?: string
  readonly rateLimit?: { readonly limit: number; readonly windowMs: number }
  readonly authFailureLimit?: number
  readonly maxBodyBytes?: number
  /** Receives every log line the server writes, as JSON text. */
  readonly logSink?: (line: string) => void
}

export interface TestServer {
  readonly baseUrl: string
  readonly close: () => Promise<void>
  /** Runs the bootstrap use case against this server's database, returning the printed key if any. */
  readonly bootstrap: (key?: string) => Promise<string | undefined>
}

/** The real HTTP API on an ephemeral loopback port, over a real PostgreSQL. */
export const startTestServer = async (options: TestServerOptions): Promise<TestServer> => {
  const store =
    options.redisUrl === undefined
      ? MemoryRateLimiterStore.layer
      : RateLimiterStoreConfig.layerRedisWithFallback(
          Redacted.make(options.redisUrl),
          options.redisPrefix ?? `test:${randomUUID()}:`
        )
  const services = Layer.mergeAll(PgPersistence, NodeCryptoKeyMaterial.layer, store).pipe(
    Layer.provideMerge(PgDatabase.layer(Redacted.make(options.databaseUrl), { maxConnections: 5 }))
  )
  const http = HttpServerLive.layer({
    port: 0,
    host: "127.0.0.1",
    maxBodyBytes: options.maxBodyBytes ?? 1024 * 1024,
    drainMs: 1000
  }).pipe(
    Layer.provide(
      RateLimitSettings.layer({
        perKey: options.rateLimit ?? { limit: 1000, windowMs: 1000 },
        authFailuresPerAddress: { limit: options.authFailureLimit ?? 1000, windowMs: 60_000 }
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
  const app = Layer.merge(http, services).pipe(Layer.provideMerge(services), Layer.provide(logging))
  const scope = Effect.runSync(Scope.make())
  const context = await Effect.runPromise(Layer.buildWithScope(app, scope))
  const runtimeEffect = <A, E>(effect: Effect.Effect<A, E, Layer.Layer.Success<typeof app>>) =>
    Effect.runPromise(Effect.provide(effect, context))
  const address = await runtimeEffect(Effect.map(HttpServer.HttpServer, (s) => s.address))
  if (address._tag !== "TcpAddress") throw new Error("expected a TCP address")
  return {
    baseUrl: `http://127.0.0.1:${address.port}`,
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
