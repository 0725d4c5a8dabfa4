import { Cause, FiberId, HashMap, List, Logger } from "effect"

type Options = Parameters<(typeof Logger.jsonLogger)["log"]>[0]

/**
 * A name an object keeps where it was set: not an array index (objects list those first) and not
 * `__proto__` (which sets no key at all).
 */
const keepsPlace = (key: string) => key !== "__proto__" && !/^(?:0|[1-9]\d*)$/.test(key)

/** A value JSON writes as itself: no object to walk, no cycle to look for. */
const isPlain = (value: unknown): value is string | number | boolean | null =>
  value === null || typeof value === "string" || typeof value === "number" || typeof value === "boolean"

/**
 * The line of `Logger.jsonLogger`, the same text to the byte, written directly when the line is
 * the usual one: a string message, no cause, no log spans, annotations that are strings,
 * numbers or booleans (the access log's every line). `Logger.jsonLogger` builds an object per line and writes it with
 * a cycle-checking replacer called for every key, a few percent of an API request's CPU. Any other
 * line is left to `Logger.jsonLogger` itself. `test/runtime/jsonLines.test.ts` holds the two equal.
 */
export const jsonLine = (options: Options): string => {
  const { annotations, cause, date, fiberId, logLevel, message, spans } = options
  const text = Array.isArray(message) ? (message.length === 1 ? message[0] : undefined) : message
  if (typeof text !== "string" || !Cause.isEmpty(cause) || List.isCons(spans))
    return Logger.jsonLogger.log(options)
  let fields = ""
  for (const [key, value] of HashMap.entries(annotations)) {
    if (!isPlain(value) || !keepsPlace(key)) return Logger.jsonLogger.log(options)
    fields += `${fields === "" ? "" : ","}${JSON.stringify(key)}:${JSON.stringify(value)}`
  }
  return `{"message":${JSON.stringify(text)},"logLevel":${JSON.stringify(logLevel.label)},"timestamp":"${date.toISOString()}","annotations":{${fields}},"spans":{},"fiberId":${JSON.stringify(FiberId.threadName(fiberId))}}`
}

/** `jsonLine` as a logger. */
export const jsonLineLogger = Logger.make(jsonLine)

/**
 * Lines gathered and written to `write` together once the current burst of work is done (at the
 * next turn of the event loop), or as soon as `maxChars` are waiting: a busy server makes one
 * system call for many lines instead of one per line. What is waiting when the process exits is
 * written then.
 */
export const batchedLines = (write: (text: string) => void, maxChars = 64 * 1024) => {
  let waiting = ""
  let scheduled = false
  const flush = () => {
    scheduled = false
    if (waiting === "") return
    const text = waiting
    waiting = ""
    write(text)
  }
  process.once("exit", flush)
  return (line: string) => {
    waiting += `${line}\n`
    if (waiting.length >= maxChars) flush()
    else if (!scheduled) {
      scheduled = true
      setImmediate(flush)
    }
  }
}
