import { request as httpRequest } from "node:http"
import { request as httpsRequest } from "node:https"
import { type SpamCheckEnvelope, SpamChecker, type SpamCheckOutcome } from "@poststack/application"
import { SpamAction, SpamScoringNotConfigured, type SpamVerdict } from "@poststack/domain"
import { Config, ConfigError, Effect, Either, Layer, Option, Schema } from "effect"

export interface RspamdOptions {
  /** The normal worker's address, e.g. `http://127.0.0.1:11333`. */
  readonly url: URL
  readonly timeoutMs: number
}

/** The part of `POST /checkv2`'s answer we read. */
const CheckAnswer = Schema.Struct({
  is_skipped: Schema.optional(Schema.Boolean),
  score: Schema.Number,
  required_score: Schema.optional(Schema.Number),
  action: Schema.String,
  symbols: Schema.optional(
    Schema.Record({
      key: Schema.String,
      value: Schema.Struct({
        name: Schema.String,
        score: Schema.Number,
        description: Schema.optional(Schema.String)
      })
    })
  )
})
const decodeAnswer = Schema.decodeUnknownEither(Schema.parseJson(CheckAnswer))
const isAction = Schema.is(SpamAction)

/** rspamd names its actions with spaces (`no action`, `add header`); the contract with underscores. */
export const readAnswer = (body: string): SpamCheckOutcome => {
  const answer = decodeAnswer(body)
  if (Either.isLeft(answer))
    return { _tag: "Unreachable", reason: "rspamd answered with something unreadable" }
  const { action, is_skipped, score, required_score, symbols } = answer.right
  const named = action.trim().replace(/ /g, "_")
  if (!isAction(named)) return { _tag: "Unreachable", reason: `rspamd answered an unknown action ${action}` }
  // Skipped with an action is a verdict a pre-filter reached before the other rules (the GTUBE
  // test pattern, a blocklist): the rest were skipped because they could not change it. Skipped
  // with no action is a message rspamd did not read.
  if (is_skipped === true && named === "no_action")
    return { _tag: "Unreachable", reason: "rspamd skipped the message" }
  const verdict: SpamVerdict = {
    score: Math.round(score * 100) / 100,
    requiredScore: required_score ?? null,
    action: named,
    symbols: Object.values(symbols ?? {})
      .map((s) => ({
        name: s.name,
        score: Math.round(s.score * 1000) / 1000,
        description: s.description ?? null
      }))
      .sort((a, b) => Math.abs(b.score) - Math.abs(a.score) || a.name.localeCompare(b.name))
  }
  return { _tag: "Scored", verdict }
}

/** A header value Node sends as it is: printable ASCII (an envelope address, a HELO name), else none. */
const headerValue = (value: string) => (/^[\x20-\x7e]{1,998}$/.test(value) ? value : undefined)

/**
 * One `POST /checkv2` with the raw message; the envelope goes in rspamd's `From`/`Rcpt` headers,
 * the connecting client in `IP`/`Helo`.
 */
const post = (options: RspamdOptions, message: Uint8Array, envelope: SpamCheckEnvelope) =>
  Effect.async<SpamCheckOutcome>((resume, signal) => {
    const send = options.url.protocol === "https:" ? httpsRequest : httpRequest
    const from = headerValue(envelope.from)
    const helo = envelope.client === undefined ? undefined : headerValue(envelope.client.helo)
    const headers: Record<string, string | Array<string>> = {
      "Content-Length": String(message.byteLength),
      // Several `Rcpt` lines, one per recipient, as rspamd reads them.
      Rcpt: envelope.to.flatMap((to) => headerValue(to) ?? [])
    }
    if (from !== undefined) headers.From = from
    if (envelope.client !== undefined) headers.IP = envelope.client.ip
    if (helo !== undefined) headers.Helo = helo
    try {
      const req = send(
        new URL("checkv2", options.url.href.endsWith("/") ? options.url : `${options.url.href}/`),
        { method: "POST", headers, timeout: options.timeoutMs, signal },
        (res) => {
          const chunks: Array<Buffer> = []
          res.on("data", (c: Buffer) => chunks.push(c))
          res.on("end", () =>
            resume(
              Effect.succeed(
                res.statusCode === 200
                  ? readAnswer(Buffer.concat(chunks).toString("utf8"))
                  : { _tag: "Unreachable", reason: `rspamd answered HTTP ${res.statusCode}` }
              )
            )
          )
          res.on("error", (e) => resume(Effect.succeed({ _tag: "Unreachable", reason: e.message })))
        }
      )
      req.on("timeout", () => req.destroy(new Error(`no answer from rspamd within ${options.timeoutMs} ms`)))
      req.on("error", (e) => resume(Effect.succeed({ _tag: "Unreachable", reason: e.message })))
      req.end(message)
    } catch (e) {
      // A request Node refuses to build (a header it will not send) is no verdict, not a crash.
      resume(Effect.succeed({ _tag: "Unreachable", reason: e instanceof Error ? e.message : String(e) }))
    }
  })

/** rspamd through its HTTP interface (the normal worker's `/checkv2`). */
export const make = (options: RspamdOptions) =>
  SpamChecker.of({
    check: (message, envelope) =>
      post(options, message, envelope).pipe(
        Effect.tap((outcome) =>
          outcome._tag === "Unreachable"
            ? Effect.logWarning("spam check skipped").pipe(Effect.annotateLogs("reason", outcome.reason))
            : Effect.void
        )
      )
  })

/** A server without a filter: every check fails, saying how to configure one. */
export const notConfigured = SpamChecker.of({
  check: () =>
    new SpamScoringNotConfigured({
      message:
        "Spam scoring is not configured on this server: set POSTSTACK_RSPAMD_URL to an rspamd worker (e.g. http://127.0.0.1:11333)"
    })
})

export const layer = (options: RspamdOptions) => Layer.succeed(SpamChecker, make(options))

export const layerNotConfigured = Layer.succeed(SpamChecker, notConfigured)

const RspamdUrl = Config.string("POSTSTACK_RSPAMD_URL").pipe(
  Config.mapOrFail((raw) => {
    const url = URL.canParse(raw) ? new URL(raw) : undefined
    return url !== undefined && (url.protocol === "http:" || url.protocol === "https:")
      ? Either.right(url)
      : Either.left(ConfigError.InvalidData([], `POSTSTACK_RSPAMD_URL must be an http(s) URL, got ${raw}`))
  })
)

/** `POSTSTACK_RSPAMD_URL` (unset: no scoring) and `POSTSTACK_RSPAMD_TIMEOUT_MS` (10 s). */
export const layerConfig = Layer.effect(
  SpamChecker,
  Effect.map(
    Config.all({
      url: Config.option(RspamdUrl),
      timeoutMs: Config.integer("POSTSTACK_RSPAMD_TIMEOUT_MS").pipe(Config.withDefault(10_000))
    }),
    ({ url, timeoutMs }) => (Option.isSome(url) ? make({ url: url.value, timeoutMs }) : notConfigured)
  )
)
