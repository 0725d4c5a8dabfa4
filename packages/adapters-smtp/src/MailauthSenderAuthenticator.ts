import { Resolver } from "node:dns/promises"
import { SenderAuthenticator } from "@poststack/application"
import type { SenderAuthentication } from "@poststack/domain"
import { Config, Duration, Effect, Layer } from "effect"
import { authenticate } from "mailauth"

export interface AuthenticatorOptions {
  /** `host:port` DNS servers; empty for the system's. */
  readonly dnsServers: ReadonlyArray<string>
  readonly timeoutMs: number
  /** Our MX host name, as it appears in Authentication-Results. */
  readonly mta: string
}

const unknown: SenderAuthentication = { spf: "temperror", dkim: "temperror", dmarc: "temperror" }

/**
 * The first signature's result. mailauth calls a body that no longer matches its signed hash
 * `neutral`; it is a signature that failed verification (RFC 8601's `fail`): the message was
 * changed after signing, which is what a reader of the result needs to know.
 */
const dkimResult = (status: { result?: unknown; comment?: unknown } | undefined): string =>
  status === undefined
    ? "none"
    : status.result === "neutral" && status.comment === "body hash did not verify"
      ? "fail"
      : String(status.result)

/** mailauth's SPF, DKIM and DMARC checks over our configured resolvers, bounded in time. */
export const make = (options: AuthenticatorOptions) => {
  const resolver = new Resolver({ timeout: options.timeoutMs, tries: 2 })
  if (options.dnsServers.length > 0) resolver.setServers([...options.dnsServers])
  const resolve = (name: string, type: string) => resolver.resolve(name, type as "TXT") as Promise<unknown>
  return SenderAuthenticator.of({
    verify: (message) =>
      Effect.tryPromise(() =>
        authenticate(Buffer.from(message.raw), {
          ip: message.ip,
          helo: message.helo,
          sender: message.sender,
          mta: options.mta,
          resolver: resolve as never,
          disableArc: true,
          disableBimi: true
        })
      ).pipe(
        Effect.timeout(Duration.seconds(20)),
        Effect.map(
          (result): SenderAuthentication => ({
            spf: result.spf === false ? "none" : String(result.spf.status.result),
            dkim: dkimResult(result.dkim.results[0]?.status),
            dmarc: result.dmarc === false ? "none" : String(result.dmarc.status.result)
          })
        ),
        Effect.catchAll(() => Effect.succeed(unknown)),
        Effect.withSpan("SenderAuthenticator.verify")
      )
  })
}

export const layer = (options: AuthenticatorOptions) => Layer.succeed(SenderAuthenticator, make(options))

/** The resolvers of `POSTSTACK_DNS_SERVERS`, as domain verification uses. */
export const layerConfig = Layer.effect(
  SenderAuthenticator,
  Effect.map(
    Config.all({
      dnsServers: Config.string("POSTSTACK_DNS_SERVERS").pipe(
        Config.withDefault(""),
        Config.map((s) =>
          s
            .split(",")
            .map((x) => x.trim())
            .filter((x) => x !== "")
        )
      ),
      timeoutMs: Config.integer("POSTSTACK_DNS_TIMEOUT_MS").pipe(Config.withDefault(2000)),
      mta: Config.string("POSTSTACK_MX_HOST").pipe(Config.withDefault("localhost"))
    }),
    make
  )
)
