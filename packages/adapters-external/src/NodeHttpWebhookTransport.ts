import { readFileSync } from "node:fs"
import * as http from "node:http"
import * as https from "node:https"
import type { LookupAddress } from "node:dns"
import { DnsResolver, WebhookTransport } from "@poststack/application"
import {
  type AddressClass,
  addressAllowed,
  classifyIp,
  isLoopbackName,
  parseWebhookUrl,
  RESPONSE_SNIPPET_CHARS
} from "@poststack/domain"
import { Config, Effect, Layer, Runtime } from "effect"

export interface WebhookTransportOptions {
  /** Let webhooks reach loopback addresses (local development and tests only). */
  readonly allowLoopback: boolean
  /** Whole-attempt limit: connect, send, answer. */
  readonly timeoutMs: number
  /** The hosts file whose names the system resolves itself; `/etc/hosts` by default. */
  readonly hostsFile?: string
}

/**
 * The names a hosts file maps, with their addresses (lower case, trailing dot dropped). A missing
 * or unreadable file maps nothing.
 */
export const readHostsFile = (file: string): ReadonlyMap<string, ReadonlyArray<string>> => {
  const names = new Map<string, Array<string>>()
  let text = ""
  try {
    text = readFileSync(file, "utf8")
  } catch {
    return names
  }
  for (const line of text.split("\n")) {
    const [address, ...aliases] = (line.split("#")[0] ?? "").trim().split(/\s+/)
    if (address === undefined || classifyIp(address.replace(/%.*$/, "")) === undefined) continue
    for (const alias of aliases) {
      const name = alias.toLowerCase().replace(/\.$/, "")
      if (name !== "") names.set(name, [...(names.get(name) ?? []), address.replace(/%.*$/, "")])
    }
  }
  return names
}

const USER_AGENT = "PostStack-Webhooks/1.0"

type Resolved = { readonly addresses: ReadonlyArray<string> } | { readonly refused: string }

const refusal = (what: string, cls: AddressClass) =>
  `url points to a ${cls.replaceAll("_", "-")} address (${what})`

/** How long an idle connection is kept for the next attempt; below the usual servers' keep-alive time-outs. */
const IDLE_CONNECTION_MS = 4_000

/** Errors a pooled connection gives when the receiver closed it while it sat idle. */
const STALE_CONNECTION = new Set(["ECONNRESET", "EPIPE"])

export const make = Effect.gen(function* () {
  const options = yield* WebhookTransportOptionsTag
  const dns = yield* DnsResolver
  const runtime = yield* Effect.runtime<never>()
  // Connections are kept alive between attempts (a new TCP, and TLS, handshake per event cost
  // more than the rest of the attempt). A connection is vetted once, by `lookup` when it opens,
  // and only ever carries requests to the host and port it was opened for.
  const agents = yield* Effect.acquireRelease(
    Effect.sync(() => {
      const settings = { keepAlive: true, timeout: IDLE_CONNECTION_MS, scheduling: "lifo" as const }
      return { http: new http.Agent(settings), https: new https.Agent(settings) }
    }),
    (a) =>
      Effect.sync(() => {
        a.http.destroy()
        a.https.destroy()
      })
  )

  // Read once: names such as the machine's own host name or a container's neighbours resolve
  // from here on the server itself, whatever DNS answers, so they are judged by these addresses.
  const hostsFile = readHostsFile(options.hostsFile ?? "/etc/hosts")

  const judge = (host: string, addresses: ReadonlyArray<string>): Resolved => {
    for (const address of addresses) {
      const cls = classifyIp(address) ?? "reserved"
      if (!addressAllowed(cls, options.allowLoopback))
        return { refused: refusal(`${host} → ${address}`, cls) }
    }
    return { addresses }
  }

  /** Every address a host name has; all must be allowed, so no answer order can sneak one in. */
  const resolve = (host: string): Effect.Effect<Resolved> => {
    const name = host.toLowerCase().replace(/\.$/, "")
    if (isLoopbackName(name))
      return Effect.succeed(
        options.allowLoopback ? { addresses: ["127.0.0.1"] } : { refused: refusal(host, "loopback") }
      )
    const pinned = hostsFile.get(name)
    if (pinned !== undefined) return Effect.succeed(judge(host, pinned))
    return Effect.gen(function* () {
      const [a, aaaa] = yield* Effect.all([dns.lookup(name, "A"), dns.lookup(name, "AAAA")], {
        concurrency: 2
      })
      return judge(
        host,
        [a, aaaa].flatMap((answer) => (answer._tag === "Answered" ? answer.values : []))
      )
    })
  }

  const vetTarget = (raw: string): Effect.Effect<string | null> => {
    const target = parseWebhookUrl(raw)
    if ("error" in target) return Effect.succeed(target.error)
    switch (target._tag) {
      case "Address":
        return Effect.succeed(
          addressAllowed(target.class, options.allowLoopback) ? null : refusal(target.address, target.class)
        )
      case "LoopbackName":
        return Effect.succeed(options.allowLoopback ? null : refusal(target.host, "loopback"))
      case "Hostname":
        return Effect.map(resolve(target.host), (r) => ("refused" in r ? r.refused : null))
    }
  }

  // Node calls this for every host name it connects to, so the address checked is the address
  // used: a name that changes its answer between registration and delivery gains nothing.
  const lookup = (
    hostname: string,
    lookupOptions: { all?: boolean },
    callback: (error: Error | null, address: string | LookupAddress[], family?: number) => void
  ) => {
    Runtime.runCallback(runtime)(resolve(hostname), {
      onExit: (exit) => {
        const result: Resolved =
          exit._tag === "Success" ? exit.value : { refused: `could not resolve ${hostname}` }
        if ("refused" in result) return callback(new Error(result.refused), lookupOptions.all ? [] : "")
        const first = result.addresses[0]
        if (first === undefined) {
          return callback(Object.assign(new Error(`${hostname} has no address`), { code: "ENOTFOUND" }), "")
        }
        const family = (a: string) => (a.includes(":") ? 6 : 4)
        if (lookupOptions.all)
          callback(
            null,
            result.addresses.map((address) => ({ address, family: family(address) }))
          )
        else callback(null, first, family(first))
      }
    })
  }

  const post = (request: { url: string; body: string; headers: Readonly<Record<string, string>> }) =>
    Effect.gen(function* () {
      const started = performance.now()
      const elapsed = () => performance.now() - started
      const refused = yield* vetLiteral(request.url)
      if (refused !== null) return { _tag: "Failed" as const, reason: refused, durationMs: elapsed() }
      return yield* Effect.async<
        | { _tag: "Responded"; status: number; body: string; durationMs: number; retryAfter?: string }
        | { _tag: "Failed"; reason: string; durationMs: number }
      >((resumeOnce) => {
        let settled = false
        let current: http.ClientRequest | undefined
        const deadline = setTimeout(
          () => current?.destroy(new Error(`timed out after ${options.timeoutMs} ms`)),
          options.timeoutMs
        )
        const resume: typeof resumeOnce = (effect) => {
          if (settled) return
          settled = true
          clearTimeout(deadline)
          resumeOnce(effect)
        }
        const url = new URL(request.url)
        const secure = url.protocol === "https:"
        const client = secure ? https : http
        const send = (retried: boolean) => {
          const req = client.request(
            url,
            {
              method: "POST",
              headers: {
                "content-type": "application/json",
                "user-agent": USER_AGENT,
                "content-length": Buffer.byteLength(request.body),
                ...request.headers
              },
              lookup: lookup as never,
              agent: secure ? agents.https : agents.http,
              timeout: options.timeoutMs
            },
            (res) => {
              const chunks: Array<Buffer> = []
              let size = 0
              let enough = false
              res.on("data", (chunk: Buffer) => {
                if (size < RESPONSE_SNIPPET_CHARS * 4) chunks.push(chunk)
                size += chunk.length
                // Enough to keep a snippet: the rest is not worth waiting for.
                if (size >= RESPONSE_SNIPPET_CHARS * 4) {
                  enough = true
                  res.destroy()
                }
              })
              const retryAfter = res.headers["retry-after"]
              const done = (error?: Error) =>
                resume(
                  // An answer the receiver cut off mid-way is no answer: the receiver may have
                  // failed after its status line, so the attempt fails and is retried.
                  !res.complete && !enough
                    ? Effect.succeed({
                        _tag: "Failed" as const,
                        reason: `${error?.message ?? "connection closed"} mid-response (after status ${res.statusCode ?? 0})`,
                        durationMs: elapsed()
                      })
                    : Effect.succeed({
                        _tag: "Responded" as const,
                        status: res.statusCode ?? 0,
                        body: Buffer.concat(chunks).toString("utf8").slice(0, RESPONSE_SNIPPET_CHARS),
                        durationMs: elapsed(),
                        ...(retryAfter === undefined ? {} : { retryAfter })
                      })
                )
              res.on("end", () => done())
              res.on("close", () => done())
              res.on("error", done)
            }
          )
          req.on("timeout", () => req.destroy(new Error(`timed out after ${options.timeoutMs} ms`)))
          req.on("error", (error: NodeJS.ErrnoException) => {
            // A kept-alive connection the receiver had closed fails before it carries anything:
            // the attempt goes again once, on a new connection.
            if (!retried && req.reusedSocket && STALE_CONNECTION.has(error.code ?? "") && !settled)
              return send(true)
            resume(Effect.succeed({ _tag: "Failed" as const, reason: error.message, durationMs: elapsed() }))
          })
          current = req
          req.end(request.body)
        }
        send(false)
        return Effect.sync(() => {
          clearTimeout(deadline)
          current?.destroy()
        })
      })
    })

  /** Literal addresses never reach `lookup`, so they are judged before connecting. */
  const vetLiteral = (raw: string): Effect.Effect<string | null> => {
    const target = parseWebhookUrl(raw)
    if ("error" in target) return Effect.succeed(target.error)
    return target._tag === "Address" ? vetTarget(raw) : Effect.succeed(null)
  }

  return WebhookTransport.of({
    vet: (url) => Effect.map(vetTarget(url), (refused) => ({ refused })),
    post
  })
})

/** The transport's settings, so tests can build it with their own. */
export class WebhookTransportOptionsTag extends Effect.Tag(
  "@poststack/adapters-external/WebhookTransportOptions"
)<WebhookTransportOptionsTag, WebhookTransportOptions>() {}

export const layer = (options: WebhookTransportOptions) =>
  Layer.scoped(WebhookTransport, make).pipe(Layer.provide(Layer.succeed(WebhookTransportOptionsTag, options)))

/** `POSTSTACK_WEBHOOKS_ALLOW_LOOPBACK` (default false), `POSTSTACK_WEBHOOK_TIMEOUT_MS` (default 10000). */
export const layerConfig = Layer.unwrapEffect(
  Effect.map(
    Config.all({
      allowLoopback: Config.boolean("POSTSTACK_WEBHOOKS_ALLOW_LOOPBACK").pipe(Config.withDefault(false)),
      timeoutMs: Config.integer("POSTSTACK_WEBHOOK_TIMEOUT_MS").pipe(Config.withDefault(10_000))
    }),
    layer
  )
)
