import { HttpMiddleware } from "@effect/platform"
import { NodeRuntime } from "@effect/platform-node"
import { Cause, Effect, Layer, Logger, LogLevel, RuntimeFlags } from "effect"
import { batchedLines, jsonLineLogger } from "./JsonLines.js"
import { describeFailure } from "./StartupFailure.js"

/**
 * `Logger.json`'s lines, formatted directly (`jsonLine`) and written straight to stdout in batches:
 * `console.log` formats its argument and checks colour support on every call, and a write per
 * line is a system call per request (bench/send-api.ts).
 */
const jsonLines = Layer.suspend(() => {
  const write = batchedLines((text) => process.stdout.write(text))
  return Logger.replace(
    Logger.defaultLogger,
    Logger.map(jsonLineLogger, (line) => write(line))
  )
})

/**
 * JSON lines when output goes to a file or a collector, readable lines on a terminal.
 * `POSTSTACK_LOG_LEVEL` (debug, info, warning, error) sets the threshold.
 */
export const LoggingLive = Layer.unwrapEffect(
  Effect.sync(() => {
    const logger = process.stdout.isTTY ? Logger.pretty : jsonLines
    return Layer.merge(logger, Logger.minimumLogLevel(configuredLogLevel()))
  })
)

const configuredLogLevel = () =>
  LogLevel.fromLiteral(
    (["All", "Debug", "Info", "Warning", "Error"] as const).find(
      (l) => l.toLowerCase() === (process.env.POSTSTACK_LOG_LEVEL ?? "info").toLowerCase()
    ) ?? "Info"
  )

/**
 * A process that cannot start says why in one line naming the cause and the fix; the stack trace
 * is only written at debug level (`POSTSTACK_LOG_LEVEL=debug`).
 */
export const reportFailure = (cause: Cause.Cause<unknown>) => {
  if (Cause.isInterruptedOnly(cause)) return Effect.void
  const { line, known } = describeFailure(cause)
  const debug = LogLevel.lessThanEqual(configuredLogLevel(), LogLevel.Debug)
  const message =
    known || debug ? `cannot start: ${line}` : `cannot start: ${line} (POSTSTACK_LOG_LEVEL=debug shows where)`
  return debug ? Effect.logFatal(message, cause) : Effect.logFatal(message)
}

/**
 * No trace exporter is wired in, so spans would be built only to be dropped: about a sixth of the
 * CPU of an accepted email (bench/send-api.ts). They are switched off until an exporter exists,
 * the HTTP server's own request spans (URL parsing, header redaction) included.
 */
const TracingOff = Layer.setTracerEnabled(false)
const withoutRequestSpans = <E>(main: Layer.Layer<never, E>) =>
  HttpMiddleware.withTracerDisabledWhen(main, () => true)

/**
 * Effect counts every fiber by default (started, active, succeeded, failed, and a histogram of
 * lifetimes, each under the fiber's metric labels): four metric updates and a clock read per fiber,
 * and the relay starts two fibers per message. No exporter reads these metrics, so the counting is
 * off, as tracing is.
 */
const FiberMetricsOff = RuntimeFlags.disableRuntimeMetrics

/** Runs a composition root until SIGINT/SIGTERM, then releases every resource in reverse order. */
export const runMain = <E>(main: Layer.Layer<never, E>) =>
  NodeRuntime.runMain(
    Layer.launch(withoutRequestSpans(main)).pipe(
      Effect.tapErrorCause(reportFailure),
      Effect.provide(Layer.mergeAll(LoggingLive, TracingOff, FiberMetricsOff))
    ),
    { disablePrettyLogger: true, disableErrorReporting: true }
  )
