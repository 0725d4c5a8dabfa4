import {
  AuthenticateApiKeyForSession,
  CheckRateLimit,
  type ApiKeyRepository,
  type Digest,
  type DomainRepository,
  type EmailRepository,
  type KeyMaterial,
  type MailParser,
  type RateLimiterStore,
  ReauthenticateApiKey,
  SubmitMessage,
  type SubscriptionRepository,
  type SuppressionList,
  type UsageMeter,
  type ContactRepository,
  type TemplateEngine,
  type TemplateRepository
} from "@poststack/application"
import { type ApiKey, InvalidApiKey, type RateLimitDecision, type RateLimitPolicy } from "@poststack/domain"
import { Effect, Layer, Redacted, type Runtime } from "effect"
import { SMTPServer, type SMTPServerSession } from "smtp-server"
import { answer, collectBody, connectionsPerAddress, listen, nonAsciiAddress, reply } from "./SmtpListener.js"
import type { TlsPair } from "./SmtpTls.js"

export interface SubmissionOptions {
  readonly host: string
  /** Ports speaking TLS from the first byte (587 as the contract says, and 465). */
  readonly implicitTlsPorts: ReadonlyArray<number>
  /** A port for old clients that upgrade with STARTTLS; AUTH is refused there until they do. */
  readonly starttlsPort: number | null
  readonly tls: TlsPair
  /** The name in the greeting and EHLO reply. */
  readonly name: string
  readonly maxMessageBytes: number
  /** The same budget the HTTP API applies to a key (shared counters). */
  readonly perKey: RateLimitPolicy
  readonly authFailuresPerAddress: RateLimitPolicy
}

type Needs =
  | ApiKeyRepository
  | KeyMaterial
  | RateLimiterStore
  | DomainRepository
  | EmailRepository
  | SuppressionList
  | Digest
  | MailParser
  | SubscriptionRepository
  | UsageMeter
  | TemplateRepository
  | TemplateEngine
  | ContactRepository

const MAX_RECIPIENTS = 50

/** A cache outage must not stop mail: the budget is not enforced until the store answers again. */
const count = (policy: RateLimitPolicy, subject: string) =>
  CheckRateLimit(policy, subject).pipe(
    Effect.catchTag("StoreUnavailable", () =>
      Effect.succeed<RateLimitDecision>({
        allowed: true,
        limit: policy.limit,
        remaining: policy.limit,
        resetSeconds: 1
      })
    )
  )

/**
 * What AUTH found, kept for the connection: the key as of its last check, and the hash to check it
 * by again before each message (see `onMailFrom`).
 */
interface Authenticated {
  key: ApiKey
  readonly keyHash: Uint8Array
}

const authenticatedOf = (session: SMTPServerSession): Authenticated => session.user as Authenticated

const authenticate = (options: SubmissionOptions, username: string, password: string, address: string) =>
  (username === "poststack"
    ? AuthenticateApiKeyForSession(Redacted.make(password))
    : Effect.fail(new InvalidApiKey({ message: "Invalid API key" }))
  ).pipe(
    Effect.catchTag("TeamClosed", () =>
      Effect.fail(reply(535, "5.7.8 Authentication failed: this API key's team was closed"))
    ),
    Effect.catchTag("InvalidApiKey", () =>
      Effect.flatMap(count(options.authFailuresPerAddress, `authfail:${address}`), (failures) =>
        Effect.fail(
          failures.allowed
            ? reply(535, "5.7.8 Authentication failed: username poststack, password an API key")
            : reply(421, "4.7.0 Too many failed authentications, closing")
        )
      )
    )
  )

const submissionFailure = (error: { readonly _tag?: string; readonly message: string } | Error): Error => {
  // Replies made here carry their code; domain errors (also `Error`s) are mapped by tag.
  if ("responseCode" in error && error instanceof Error) return error
  const text = (error.message ?? "").replace(/[\r\n]+/g, " ").slice(0, 400)
  switch ("_tag" in error ? error._tag : undefined) {
    case "SenderNotAllowed":
    case "PermissionDenied":
      return reply(553, `5.7.1 ${text}`)
    case "MessageMalformed":
    case "ValidationFailed":
    case "DomainNotVerified":
    case "IdempotencyKeyReused":
    case "TemplateUnknown":
    case "TemplateNotPublished":
    case "TemplateSyntaxInvalid":
    case "TemplateVariablesMissing":
      return reply(554, `5.6.0 ${text}`)
    // A plan's limit holds for the day or the month: a temporary refusal, as for a full mailbox.
    case "MonthlyLimitExceeded":
    case "DailyLimitExceeded":
    case "SendLimitExceeded":
      return reply(452, `4.7.1 ${text}`)
    default:
      return reply(451, "4.3.0 Temporary failure, try again later")
  }
}

/** One SMTP server speaking the submission dialogue: AUTH with an API key, then the send use case. */
const makeServer = (
  runtime: Runtime.Runtime<Needs>,
  options: SubmissionOptions,
  secure: boolean,
  perAddress = connectionsPerAddress()
) =>
  new SMTPServer({
    secure,
    key: Redacted.value(options.tls.key),
    cert: options.tls.cert,
    minVersion: "TLSv1.2",
    name: options.name,
    banner: "PostStack submission",
    size: options.maxMessageBytes,
    authMethods: ["PLAIN", "LOGIN"],
    hideSMTPUTF8: true,
    authOptional: false,
    allowInsecureAuth: false,
    disableReverseLookup: true,
    // Each connection may buffer one message: the count bounds memory.
    maxClients: 200,
    logger: false,
    socketTimeout: 60_000,
    closeTimeout: 5_000,
    onConnect: perAddress.onConnect,
    onClose: perAddress.release,
    onAuth(auth, session, callback) {
      if (auth.method !== "PLAIN" && auth.method !== "LOGIN") {
        return callback(reply(504, "5.5.4 Unrecognized authentication type"))
      }
      answer(
        runtime,
        authenticate(options, auth.username ?? "", auth.password ?? "", session.remoteAddress),
        (error) => (error instanceof Error ? error : reply(454, "4.7.0 Temporary authentication failure")),
        (error, found) =>
          callback(
            error,
            error === null && found !== undefined ? { user: found satisfies Authenticated } : undefined
          )
      )
    },
    onMailFrom(address, session, callback) {
      const nonAscii = nonAsciiAddress(address.address, "sender")
      if (nonAscii !== null) return callback(nonAscii)
      // A connection may stay open for hours: each message checks that its key still exists (not
      // deleted or rotated) and has not expired, through the repository's short read cache.
      const authenticated = authenticatedOf(session)
      const program = ReauthenticateApiKey(authenticated.keyHash).pipe(
        Effect.catchTag("InvalidApiKey", () =>
          Effect.fail(reply(530, "5.7.0 This API key is no longer valid: authenticate again"))
        ),
        Effect.catchTag("TeamClosed", () =>
          Effect.fail(reply(530, "5.7.0 This API key's team was closed: it sends no more mail"))
        ),
        Effect.flatMap((key) => {
          authenticated.key = key
          return count(options.perKey, `key:${key.id}`)
        }),
        Effect.flatMap((decision) =>
          decision.allowed
            ? Effect.void
            : Effect.fail(reply(451, `4.7.1 Rate limit exceeded, retry in ${decision.resetSeconds} s`))
        )
      )
      answer(runtime, program, submissionFailure, (error) => callback(error))
    },
    onRcptTo(address, session, callback) {
      const nonAscii = nonAsciiAddress(address.address, "recipient")
      if (nonAscii !== null) return callback(nonAscii)
      if (session.envelope.rcptTo.length >= MAX_RECIPIENTS) {
        return callback(reply(452, `4.5.3 At most ${MAX_RECIPIENTS} recipients per message`))
      }
      callback()
    },
    onData(stream, session, callback) {
      // smtp-server resets the envelope once this callback runs: read it first.
      const envelope = {
        from: session.envelope.mailFrom === false ? "" : session.envelope.mailFrom.address,
        to: session.envelope.rcptTo.map((r) => r.address)
      }
      const key = authenticatedOf(session).key
      collectBody(stream, options.maxMessageBytes, (message) => {
        if (message.tooLarge) {
          return callback(reply(552, `5.3.4 Message larger than ${options.maxMessageBytes} bytes`))
        }
        answer(runtime, SubmitMessage(key, envelope, message.bytes), submissionFailure, (error, sent) =>
          error === null && sent !== undefined
            ? callback(
                null,
                sent.replayed ? `2.0.0 Already accepted as ${sent.id}` : `2.0.0 Queued as ${sent.id}`
              )
            : callback(error)
        )
      })
    }
  })

/** The SMTP relay for applications: implicit TLS ports and an optional STARTTLS port, until the scope closes. */
export const layer = (options: SubmissionOptions) =>
  Layer.scopedDiscard(
    Effect.gen(function* () {
      const runtime = yield* Effect.runtime<Needs>()
      const servers = [
        ...options.implicitTlsPorts.map((port) => ({ port, secure: true })),
        ...(options.starttlsPort === null ? [] : [{ port: options.starttlsPort, secure: false }])
      ]
      for (const { port, secure } of servers) {
        const server = makeServer(runtime, options, secure)
        // A client that drops mid-dialogue is its own problem, never the process's.
        server.on("error", () => {})
        yield* listen(
          server,
          port,
          options.host,
          secure ? "SMTP submission (implicit TLS)" : "SMTP submission (STARTTLS)"
        )
      }
    })
  )
