import { MailHostSettings } from "@poststack/application"
import { Config, ConfigError, Duration, Effect, Either, Layer } from "effect"
import * as SmtpInboundServer from "./SmtpInboundServer.js"
import * as SmtpSubmissionServer from "./SmtpSubmissionServer.js"
import { tlsConfig } from "./SmtpTls.js"

/** `587`, or `off`/empty for no listener. */
const portSetting = (name: string, fallback: number | "off") =>
  Config.string(name).pipe(
    Config.withDefault(String(fallback)),
    Config.mapOrFail((text) => {
      const value = text.trim().toLowerCase()
      if (value === "" || value === "off") return Either.right(null)
      const port = Number(value)
      return Number.isInteger(port) && port >= 0 && port < 65536
        ? Either.right(port)
        : Either.left(ConfigError.InvalidData([name], `${name} must be a port number or "off"`))
    })
  )

/**
 * Both SMTP doors, configured by the environment. Without `DATABASE_URL` (the embedded default,
 * often a non-root user on a laptop) the defaults are unprivileged ports: 2587 and 2465 for
 * submission, 2525 for the MX. A port that cannot be bound is logged and skipped.
 */
export const layerConfig = Layer.unwrapScoped(
  Effect.gen(function* () {
    const embedded = (yield* Config.option(Config.string("DATABASE_URL")))._tag === "None"
    const hosts = yield* MailHostSettings
    const host = yield* Config.string("POSTSTACK_SMTP_HOST").pipe(Config.withDefault("0.0.0.0"))
    const submission = yield* portSetting("POSTSTACK_SMTP_SUBMISSION_PORT", embedded ? 2587 : 587)
    const smtps = yield* portSetting("POSTSTACK_SMTP_SUBMISSION_TLS_PORT", embedded ? 2465 : 465)
    const starttls = yield* portSetting("POSTSTACK_SMTP_STARTTLS_PORT", "off")
    const inbound = yield* portSetting("POSTSTACK_SMTP_INBOUND_PORT", embedded ? 2525 : 25)
    const inboundMaxBytes = yield* Config.integer("POSTSTACK_SMTP_INBOUND_MAX_MESSAGE_BYTES").pipe(
      Config.withDefault(30 * 1024 * 1024)
    )
    const inboundSpamTimeoutMs = yield* Config.integer("POSTSTACK_SMTP_INBOUND_SPAM_TIMEOUT_MS").pipe(
      Config.withDefault(5_000),
      Config.validate({
        message: "POSTSTACK_SMTP_INBOUND_SPAM_TIMEOUT_MS must be between 100 and 30000",
        validation: (ms) => ms >= 100 && ms <= 30_000
      })
    )
    const maxMessageBytes = yield* Config.integer("POSTSTACK_SMTP_MAX_MESSAGE_BYTES").pipe(
      Config.withDefault(40 * 1024 * 1024)
    )
    const perKey = {
      limit: yield* Config.integer("POSTSTACK_RATE_LIMIT_REQUESTS").pipe(Config.withDefault(50)),
      windowMs:
        (yield* Config.integer("POSTSTACK_RATE_LIMIT_WINDOW_SECONDS").pipe(Config.withDefault(1))) * 1000
    }
    const authFailuresPerAddress = {
      limit: yield* Config.integer("POSTSTACK_AUTH_FAILURE_LIMIT").pipe(Config.withDefault(30)),
      windowMs: 60_000
    }
    const tls = yield* tlsConfig(hosts.mxHost)
    const submissionLayer = SmtpSubmissionServer.layer({
      host,
      implicitTlsPorts: [submission, smtps].filter((p): p is number => p !== null),
      starttlsPort: starttls,
      tls,
      name: hosts.mxHost,
      maxMessageBytes,
      perKey,
      authFailuresPerAddress
    })
    if (inbound === null) return submissionLayer
    return Layer.merge(
      submissionLayer,
      SmtpInboundServer.layer({
        host,
        port: inbound,
        tls,
        name: hosts.mxHost,
        maxMessageBytes: inboundMaxBytes,
        spamTimeout: Duration.millis(inboundSpamTimeoutMs)
      })
    )
  })
)
