import {
  type BlobStore,
  type DeliveryFeedback,
  type Digest,
  type DmarcReportReader,
  type DmarcReportRepository,
  type InboundRepository,
  type MailParser,
  ReceiveMessage,
  type RecipientRoute,
  RouteRecipient,
  type SenderAuthenticator,
  type SpamChecker
} from "@poststack/application"
import { Duration, Effect, Layer, Redacted, type Runtime } from "effect"
import { SMTPServer, type SMTPServerDataStream } from "smtp-server"
import { answer, collectBody, connectionsPerAddress, listen, nonAsciiAddress, reply } from "./SmtpListener.js"
import type { TlsPair } from "./SmtpTls.js"

export interface InboundOptions {
  readonly host: string
  readonly port: number
  readonly tls: TlsPair
  readonly name: string
  readonly maxMessageBytes: number
  /** How long receiving one message (parse, checks, storage) may take; 60 s unless given. */
  readonly receiveTimeout?: Duration.DurationInput
  /** How long the spam filter may take before a message is stored unscored; 5 s unless given. */
  readonly spamTimeout?: Duration.DurationInput
}

type Needs =
  | InboundRepository
  | DeliveryFeedback
  | Digest
  | BlobStore
  | MailParser
  | SenderAuthenticator
  | DmarcReportReader
  | DmarcReportRepository
  | SpamChecker

const MAX_RECIPIENTS = 100
/** However the message is built, receiving it (parse, checks, storage) ends within this. */
const RECEIVE_TIMEOUT = Duration.seconds(60)

const collect = (stream: SMTPServerDataStream, max: number) =>
  Effect.async<{ readonly bytes: Uint8Array; readonly tooLarge: boolean }>((resume) =>
    collectBody(stream, max, (message) => resume(Effect.succeed(message)))
  )

const failure = (error: { readonly _tag?: string; readonly message: string } | Error): Error => {
  if ("responseCode" in error && error instanceof Error) return error
  const text = error.message.replace(/[\r\n]+/g, " ").slice(0, 300)
  switch ("_tag" in error ? error._tag : undefined) {
    case "RecipientRefused":
      return reply(550, text)
    case "MessageMalformed":
      return reply(554, `5.6.0 Message refused: ${text}`)
    default:
      return reply(451, "4.3.0 Temporary failure, try again later")
  }
}

/** The address without the IPv4-mapped prefix, as SPF expects it. */
const clientIp = (address: string) => address.replace(/^::ffff:/, "")

const makeServer = (runtime: Runtime.Runtime<Needs>, options: InboundOptions) => {
  // Recipients routed at RCPT, per connection, for the message in progress.
  const routes = new Map<string, Array<RecipientRoute>>()
  const perAddress = connectionsPerAddress()
  return new SMTPServer({
    secure: false,
    key: Redacted.value(options.tls.key),
    cert: options.tls.cert,
    minVersion: "TLSv1.2",
    name: options.name,
    banner: "PostStack MX",
    size: options.maxMessageBytes,
    authOptional: true,
    disabledCommands: ["AUTH"],
    hideSMTPUTF8: true,
    disableReverseLookup: true,
    // Each connection may buffer one message: the count bounds memory.
    maxClients: 200,
    logger: false,
    socketTimeout: 60_000,
    closeTimeout: 5_000,
    onConnect: perAddress.onConnect,
    onMailFrom(address, session, callback) {
      routes.set(session.id, [])
      callback(nonAsciiAddress(address.address, "sender"))
    },
    onRcptTo(address, session, callback) {
      const nonAscii = nonAsciiAddress(address.address, "recipient")
      if (nonAscii !== null) return callback(nonAscii)
      const list = routes.get(session.id) ?? []
      if (list.length >= MAX_RECIPIENTS) {
        return callback(reply(452, `4.5.3 At most ${MAX_RECIPIENTS} recipients per message`))
      }
      answer(runtime, RouteRecipient(address.address), failure, (error, route) => {
        if (error === null && route !== undefined) list.push(route)
        routes.set(session.id, list)
        callback(error)
      })
    },
    onData(stream, session, callback) {
      // smtp-server resets the envelope once this callback runs: read it first.
      const envelopeFrom = session.envelope.mailFrom === false ? "" : session.envelope.mailFrom.address
      const recipients = routes.get(session.id) ?? []
      routes.delete(session.id)
      const program = Effect.gen(function* () {
        const message = yield* collect(stream, options.maxMessageBytes)
        if (message.tooLarge) {
          return yield* Effect.fail(
            reply(552, `5.3.4 Message larger than ${options.maxMessageBytes} bytes`) as Error
          )
        }
        yield* ReceiveMessage({
          envelopeFrom,
          recipients,
          raw: message.bytes,
          clientIp: clientIp(session.remoteAddress),
          helo: session.hostNameAppearsAs,
          ...(options.spamTimeout === undefined ? {} : { spamTimeout: options.spamTimeout })
        }).pipe(
          Effect.timeout(options.receiveTimeout ?? RECEIVE_TIMEOUT),
          // Interrupted, the use case has removed what it wrote: the sender's retry starts afresh.
          Effect.catchTag("TimeoutException", () =>
            Effect.logWarning("SmtpInbound.receive: took too long, answered 451 and kept nothing").pipe(
              Effect.annotateLogs({
                client: clientIp(session.remoteAddress),
                bytes: message.bytes.length,
                recipients: recipients.length
              }),
              Effect.zipRight(Effect.fail(reply(451, "4.3.0 Took too long, try again later") as Error))
            )
          )
        )
        return "2.0.0 Ok: stored"
      })
      answer(runtime, program, failure, (error, text) =>
        error === null ? callback(null, text) : callback(error)
      )
    },
    onClose(session) {
      routes.delete(session.id)
      perAddress.release(session)
    }
  })
}

/** Our MX: customer domains with inbound on, and the bounce hosts of verified domains, until the scope closes. */
export const layer = (options: InboundOptions) =>
  Layer.scopedDiscard(
    Effect.gen(function* () {
      const runtime = yield* Effect.runtime<Needs>()
      const server = makeServer(runtime, options)
      server.on("error", () => {})
      yield* listen(server, options.port, options.host, "SMTP MX (inbound)")
    })
  )
