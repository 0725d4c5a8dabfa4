import { Resolver } from "node:dns/promises"
import { DnsResolver, type LookupType } from "@poststack/application"
import type { DnsAnswer } from "@poststack/domain"
import { Config, Effect, Layer } from "effect"

/** Codes meaning "the name or the type does not exist": a real, empty answer. */
const ABSENT = new Set(["ENODATA", "ENOTFOUND", "NXDOMAIN"])

export interface DnsOptions {
  /** `host:port` or `[v6]:port` servers; empty means the system's resolvers. */
  readonly servers: ReadonlyArray<string>
  readonly timeoutMs: number
}

type Answered = Extract<DnsAnswer, { _tag: "Answered" }>

/** Addresses with the shortest of their TTLs. */
const withTtl = (records: ReadonlyArray<{ address: string; ttl: number }>): Answered => ({
  _tag: "Answered",
  values: records.map((r) => r.address),
  ...(records.length === 0 ? {} : { ttlSeconds: Math.min(...records.map((r) => r.ttl)) })
})

const query = (resolver: Resolver, name: string, type: LookupType): Promise<Answered> => {
  const values = (list: ReadonlyArray<string>): Answered => ({ _tag: "Answered", values: list })
  switch (type) {
    case "TXT":
      return resolver.resolveTxt(name).then((records) => values(records.map((chunks) => chunks.join(""))))
    case "MX":
      return resolver.resolveMx(name).then((records) => values(records.map((r) => r.exchange)))
    case "CNAME":
      return resolver.resolveCname(name).then(values)
    case "A":
      return resolver.resolve4(name, { ttl: true }).then(withTtl)
    case "AAAA":
      return resolver.resolve6(name, { ttl: true }).then(withTtl)
  }
}

export const make = (options: DnsOptions) => {
  const resolver = new Resolver({ timeout: options.timeoutMs, tries: 2 })
  if (options.servers.length > 0) resolver.setServers([...options.servers])
  return DnsResolver.of({
    lookup: (name, type) =>
      Effect.promise(() =>
        query(resolver, name, type).then(
          (answer): DnsAnswer => answer,
          (error: NodeJS.ErrnoException): DnsAnswer =>
            ABSENT.has(error.code ?? "")
              ? { _tag: "Answered", values: [] }
              : { _tag: "Unavailable", reason: error.code ?? "unknown" }
        )
      ).pipe(Effect.withSpan("Dns.lookup", { attributes: { name, type } })),
    mx: (name) =>
      Effect.promise(() =>
        resolver.resolveMx(name).then(
          (records) => ({
            _tag: "Answered" as const,
            records: records.map((r) => ({ exchange: r.exchange, priority: r.priority }))
          }),
          (error: NodeJS.ErrnoException) =>
            ABSENT.has(error.code ?? "")
              ? { _tag: "Answered" as const, records: [] }
              : { _tag: "Unavailable" as const, reason: error.code ?? "unknown" }
        )
      ).pipe(Effect.withSpan("Dns.mx", { attributes: { name } }))
  })
}

export const layer = (options: DnsOptions) => Layer.succeed(DnsResolver, make(options))

/** `POSTSTACK_DNS_SERVERS`: comma-separated `host:port` (for example `127.0.0.1:5353`). */
export const layerConfig = Layer.effect(
  DnsResolver,
  Effect.map(
    Config.all({
      servers: Config.string("POSTSTACK_DNS_SERVERS").pipe(
        Config.withDefault(""),
        Config.map((s) =>
          s
            .split(",")
            .map((x) => x.trim())
            .filter((x) => x !== "")
        )
      ),
      timeoutMs: Config.integer("POSTSTACK_DNS_TIMEOUT_MS").pipe(Config.withDefault(2000))
    }),
    make
  )
)
