import { hostname } from "node:os"
import { type Handover, MailTransport } from "@poststack/application"
import { classifyReply, type DeliveryOutcome } from "@poststack/domain"
import { Config, Effect, Layer, Option, Redacted } from "effect"
import SMTPConnection from "nodemailer/lib/smtp-connection"

export interface TransportOptions {
  /** Port of receiving MTAs: 25, or another for tests. */
  readonly mxPort: number
  /** EHLO name. */
  readonly heloName: string
  /** A smart host that takes all mail instead of MX delivery: `smtp://user:pass@host:587` or `smtps://…`. */
  readonly relayUrl: Option.Option<Redacted.Redacted<string>>
  readonly connectTimeoutMs: number
  /**
   * How long a silent receiver is waited for, mid-session: shorter than the delivery lease, so a
   * hanging receiver defers the message before another worker could take it again.
   */
  readonly socketTimeoutMs: number
  /** Connections open at once to one destination address. */
  readonly perDestination: number
  /** How long a message waits for one of them before it is put back in the queue for later. */
  readonly slotWaitMs: number
  /** How long an idle connection is kept for the next message to the same destination. */
  readonly idleMs: number
  /**
   * Let MX hosts at loopback, private, link-local or CGNAT addresses be reached
   * (`POSTSTACK_SMTP_ALLOW_PRIVATE_MX`): tests, or a relay inside a private network.
   */
  readonly allowPrivateMx: boolean
}

interface Target {
  readonly key: string
  readonly host: string
  readonly port: number
  readonly servername: string
  readonly secure: boolean
  readonly auth: { readonly user: string; readonly pass: string } | null
  readonly localAddress: string | null
  /** STARTTLS or nothing: the session is never used in plaintext. */
  readonly requireTls: boolean
}

type Failure =
  | { readonly kind: "reply"; readonly outcome: DeliveryOutcome }
  /** `tls`: the session could not be encrypted and the message may not go without it. */
  | { readonly kind: "connection"; readonly reason: string; readonly tls?: boolean }

const parseRelay = (url: string): Target => {
  const u = new URL(url)
  const secure = u.protocol === "smtps:"
  const port = Number(u.port || (secure ? 465 : 587))
  return {
    key: `relay:${u.hostname}:${port}`,
    host: u.hostname,
    port,
    servername: u.hostname,
    secure,
    auth:
      u.username === ""
        ? null
        : { user: decodeURIComponent(u.username), pass: decodeURIComponent(u.password) },
    localAddress: null,
    requireTls: false
  }
}

/**
 * The connections one destination may have open at once. A message waits its turn in order, and
 * takes a connection the moment another message gives one back; it gives up after `waitMs`.
 * Transactional messages wait in a line of their own that is served first, so a password reset
 * claimed during a broadcast to the same destination does not queue behind its bulk messages.
 */
class Slots {
  private readonly waiting: Array<() => boolean> = []
  private readonly waitingFirst: Array<() => boolean> = []
  constructor(private free: number) {}

  /** Whether a connection was granted (it must be released) before the wait ran out. */
  acquire(waitMs: number, first: boolean): Effect.Effect<boolean> {
    return Effect.async<boolean>((resume) => {
      if (this.free > 0) {
        this.free--
        return resume(Effect.succeed(true))
      }
      const line = first ? this.waitingFirst : this.waiting
      let settled = false
      const grant = () => {
        if (settled) return false
        settled = true
        clearTimeout(timer)
        resume(Effect.succeed(true))
        return true
      }
      const timer = setTimeout(() => {
        if (settled) return
        settled = true
        line.splice(line.indexOf(grant), 1)
        resume(Effect.succeed(false))
      }, waitMs)
      line.push(grant)
    })
  }

  release(): void {
    for (const line of [this.waitingFirst, this.waiting])
      for (let next = line.shift(); next !== undefined; next = line.shift()) if (next()) return
    this.free++
  }
}

/**
 * SMTP delivery with nodemailer's connection: opportunistic STARTTLS, or required STARTTLS for
 * domains whose `tls_mode` is `enforced` (certificates of MX hosts are not checked either way, as
 * is usual for server-to-server mail without MTA-STS or DANE), connections reused per destination
 * and capped in number, replies turned into outcomes.
 */
export const make = (options: TransportOptions) =>
  Effect.gen(function* () {
    const idle = new Map<string, Array<SMTPConnection>>()
    const slots = new Map<string, Slots>()
    const relay = Option.map(options.relayUrl, (url) => parseRelay(Redacted.value(url)))

    yield* Effect.addFinalizer(() =>
      Effect.sync(() => {
        for (const list of idle.values()) for (const connection of list) connection.close()
        idle.clear()
      })
    )

    const slot = (key: string) => {
      let pool = slots.get(key)
      if (pool === undefined) {
        pool = new Slots(options.perDestination)
        slots.set(key, pool)
      }
      return pool
    }

    const open = (target: Target) =>
      Effect.async<SMTPConnection, Failure>((resume) => {
        const connection = new SMTPConnection({
          host: target.host,
          port: target.port,
          secure: target.secure,
          name: options.heloName,
          ...(target.localAddress === null ? {} : { localAddress: target.localAddress }),
          // Enforced TLS: STARTTLS is sent whether offered or not, and a refusal or a failed
          // handshake ends the session instead of carrying on in plaintext.
          opportunisticTLS: !target.requireTls,
          requireTLS: target.requireTls,
          connectionTimeout: options.connectTimeoutMs,
          greetingTimeout: options.connectTimeoutMs,
          socketTimeout: options.socketTimeoutMs,
          tls: { rejectUnauthorized: target.auth !== null, servername: target.servername }
        })
        const failed = (error: Error & { code?: string | undefined }): Failure =>
          // ETLS: STARTTLS refused; `upgrading`: the handshake itself failed (a socket error).
          target.requireTls &&
          (error.code === "ETLS" || (connection as { upgrading?: boolean }).upgrading === true)
            ? {
                kind: "connection",
                reason: `TLS required, not sent in plaintext: ${error.message}`,
                tls: true
              }
            : { kind: "connection", reason: error.message }
        connection.once("error", (error) => resume(Effect.fail(failed(error))))
        connection.connect((error) => {
          if (error) return resume(Effect.fail(failed(error)))
          // Belt and braces: whatever the library decided, an enforced session is encrypted.
          if (target.requireTls && !connection.secure) {
            connection.close()
            return resume(
              Effect.fail(failed(Object.assign(new Error("the session was not encrypted"), { code: "ETLS" })))
            )
          }
          if (target.auth === null) return resume(Effect.succeed(connection))
          connection.login({ user: target.auth.user, pass: target.auth.pass }, (loginError) =>
            loginError
              ? resume(
                  Effect.fail({ kind: "connection", reason: `relay login failed: ${loginError.message}` })
                )
              : resume(Effect.succeed(connection))
          )
        })
      })

    const take = (target: Target) =>
      Effect.suspend(() => {
        const list = idle.get(target.key) ?? []
        while (list.length > 0) {
          const reused = list.pop()
          if (reused !== undefined && !reused.destroyed) return Effect.succeed(reused)
        }
        return open(target)
      })

    const giveBack = (target: Target, connection: SMTPConnection) =>
      Effect.sync(() => {
        const list = idle.get(target.key) ?? []
        list.push(connection)
        idle.set(target.key, list)
        setTimeout(() => {
          const current = idle.get(target.key) ?? []
          const at = current.indexOf(connection)
          if (at >= 0) {
            current.splice(at, 1)
            connection.quit()
          }
        }, options.idleMs).unref()
      })

    const send = (connection: SMTPConnection, handover: Handover, mx: string) =>
      Effect.async<DeliveryOutcome, Failure>((resume) => {
        connection.send(
          { from: handover.envelopeFrom, to: [handover.recipient] },
          Buffer.from(handover.message),
          (error, info) => {
            if (error) {
              const code = error.responseCode
              if (code === undefined)
                return resume(Effect.fail({ kind: "connection", reason: error.message }))
              return resume(
                Effect.fail({
                  kind: "reply",
                  outcome: classifyReply(
                    code,
                    String(error.response ?? error.message).replace(/^\d{3}\s*/, ""),
                    mx
                  )
                })
              )
            }
            const reply = String(info?.response ?? "250 OK")
            const code = Number(reply.slice(0, 3))
            resume(
              Effect.succeed(
                classifyReply(Number.isNaN(code) ? 250 : code, reply.replace(/^\d{3}\s*/, ""), mx)
              )
            )
          }
        )
      })

    /** RSET: whether the session is clean again (bounded, so a silent server cannot hold it). */
    const reset = (connection: SMTPConnection) =>
      Effect.async<boolean>((resume) => {
        if (connection.destroyed) return resume(Effect.succeed(false))
        let settled = false
        let timer: ReturnType<typeof setTimeout> | undefined
        const settle = (ok: boolean) => {
          if (settled) return
          settled = true
          clearTimeout(timer)
          resume(Effect.succeed(ok))
        }
        // A timer, not an interruption: deliveries run uninterruptibly.
        timer = setTimeout(() => settle(false), 5_000)
        connection.reset((error) => settle(!error))
      })

    // Generator functions written once, not per message (ARCHITECTURE.md, hot paths).
    const exchange = Effect.fnUntraced(function* (target: Target, handover: Handover, mx: string) {
      const connection = yield* take(target)
      return yield* send(connection, handover, mx).pipe(
        Effect.tap(() => giveBack(target, connection)),
        // A refused envelope leaves a working session: RSET, and the next message reuses it (a
        // receiver that defers everything costs no new TLS handshake per message). A broken
        // connection is closed.
        Effect.tapError((failure) =>
          failure.kind === "reply"
            ? Effect.flatMap(reset(connection), (ok) =>
                ok ? giveBack(target, connection) : Effect.sync(() => connection.close())
              )
            : Effect.sync(() => connection.close())
        )
      )
    })

    /** One attempt against one address; a reply (even a refusal) ends the search for a host. */
    const attempt = (target: Target, handover: Handover, mx: string) => {
      const slots = slot(target.key)
      // A destination that holds all its connections (a slow or hanging receiver) must not hold
      // the worker too: after a while the message goes back to the queue, untried. The wait ends
      // by a timer rather than an interruption, so a stopping worker still settles what it holds.
      const waitMs = Math.max(0, Math.min(options.slotWaitMs, handover.startBy.getTime() - Date.now()))
      return Effect.acquireUseRelease(
        slots.acquire(waitMs, handover.bulk !== true),
        (granted): Effect.Effect<DeliveryOutcome, Failure> =>
          granted
            ? exchange(target, handover, mx)
            : Effect.fail({
                kind: "reply",
                outcome: { _tag: "Busy", reply: `451 4.4.5 ${mx} is busy with other messages`, mx: null }
              }),
        (granted) => (granted ? Effect.sync(() => slots.release()) : Effect.void)
      )
    }

    /** Connections are pooled per destination and per local address (a domain's dedicated IP). */
    const targetsOf = (
      handover: Handover
    ): ReadonlyArray<{ readonly target: Target; readonly mx: string }> =>
      Option.isSome(relay)
        ? [
            {
              target: {
                ...relay.value,
                key: `${relay.value.key}|${handover.localAddress ?? ""}${handover.requireTls ? "|tls" : ""}`,
                localAddress: handover.localAddress,
                requireTls: handover.requireTls
              },
              mx: relay.value.host
            }
          ]
        : handover.hosts.flatMap((host) =>
            host.addresses.map((address) => ({
              mx: host.name,
              target: {
                // Enforced-TLS mail never shares a connection that may have stayed in plaintext.
                key: `${address}:${options.mxPort}|${handover.localAddress ?? ""}${handover.requireTls ? "|tls" : ""}`,
                host: address,
                port: options.mxPort,
                servername: host.name,
                secure: false,
                auth: null,
                localAddress: handover.localAddress,
                requireTls: handover.requireTls
              }
            }))
          )

    const deliverTo = Effect.fnUntraced(function* (handover: Handover) {
      const reasons: Array<string> = []
      let tlsOnly = true
      for (const { target, mx } of targetsOf(handover)) {
        const result = yield* Effect.either(attempt(target, handover, mx))
        if (result._tag === "Right") return result.right
        if (result.left.kind === "reply") return result.left.outcome
        reasons.push(`${mx} (${target.host}): ${result.left.reason}`)
        tlsOnly &&= result.left.tls === true
      }
      const why = reasons.join("; ").slice(0, 800)
      return {
        _tag: "Deferred",
        reply:
          tlsOnly && reasons.length > 0
            ? `451 4.7.4 TLS required by the domain's tls_mode, no mail server offered it: ${why}`
            : `451 4.4.1 no mail server could be reached: ${why}`,
        mx: null
      } satisfies DeliveryOutcome
    })

    return MailTransport.of({
      relay: Option.isSome(relay),
      allowPrivateMx: options.allowPrivateMx,
      // Once per message: its span keeps no stack trace (see NodeCryptoDkimSigner).
      deliver: (handover) =>
        deliverTo(handover).pipe(Effect.withSpan("MailTransport.deliver", { captureStackTrace: false }))
    })
  })

export const layer = (options: TransportOptions) => Layer.scoped(MailTransport, make(options))

export const layerConfig = Layer.unwrapEffect(
  Effect.map(
    Config.all({
      mxPort: Config.port("POSTSTACK_MX_PORT").pipe(Config.withDefault(25)),
      heloName: Config.string("POSTSTACK_HELO_NAME").pipe(Config.withDefault(hostname())),
      relayUrl: Config.option(Config.redacted("POSTSTACK_SMTP_RELAY_URL")),
      connectTimeoutMs: Config.integer("POSTSTACK_SMTP_CONNECT_TIMEOUT_MS").pipe(Config.withDefault(15_000)),
      socketTimeoutMs: Config.integer("POSTSTACK_SMTP_SOCKET_TIMEOUT_MS").pipe(Config.withDefault(60_000)),
      perDestination: Config.integer("POSTSTACK_SMTP_CONNECTIONS_PER_DESTINATION").pipe(
        Config.withDefault(4)
      ),
      slotWaitMs: Config.integer("POSTSTACK_SMTP_SLOT_WAIT_MS").pipe(Config.withDefault(10_000)),
      idleMs: Config.integer("POSTSTACK_SMTP_IDLE_MS").pipe(Config.withDefault(5_000)),
      allowPrivateMx: Config.boolean("POSTSTACK_SMTP_ALLOW_PRIVATE_MX").pipe(Config.withDefault(false))
    }),
    layer
  )
)
