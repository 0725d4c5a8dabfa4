import { describe, expect, it } from "vitest"
import { Cause, FiberId, HashMap, List, Logger, LogLevel, LogSpan } from "effect"
import { batchedLines, jsonLine } from "../src/JsonLines.js"

type Options = Parameters<typeof jsonLine>[0]

const base: Options = {
  fiberId: FiberId.make(1234, 0),
  logLevel: LogLevel.Info,
  message: "http request",
  cause: Cause.empty,
  context: undefined as never,
  spans: List.empty(),
  annotations: HashMap.empty(),
  date: new Date("2026-12-05T22:00:00.123Z")
}

const annotate = (entries: ReadonlyArray<readonly [string, unknown]>) =>
  HashMap.fromIterable(entries.map(([k, v]) => [k, v] as [string, unknown]))

describe("jsonLine", () => {
  it("writes the access log's line as Logger.jsonLogger does, to the byte", () => {
    const options: Options = {
      ...base,
      annotations: annotate([
        ["requestId", "req_1b2c"],
        ["method", "POST"],
        ["path", "/emails"],
        ["status", 202],
        ["durationMs", 3],
        ["quoted", 'a "b" \\ c\n\u2028é'],
        ["flag", true],
        ["nothing", null],
        ["odd", Number.NaN]
      ])
    }
    const line = jsonLine(options)
    expect(line).toBe(Logger.jsonLogger.log(options))
    expect(JSON.parse(line)).toMatchObject({
      message: "http request",
      logLevel: "INFO",
      annotations: { requestId: "req_1b2c", method: "POST", path: "/emails", status: 202 }
    })
  })

  it("gives every other line to Logger.jsonLogger: causes, spans, objects, lists, index-like keys", () => {
    const cases: ReadonlyArray<Options> = [
      { ...base, cause: Cause.fail(new Error("boom")) },
      { ...base, spans: List.make(LogSpan.make("step", 0)) },
      { ...base, annotations: annotate([["error", { nested: [1, 2] }]]) },
      {
        ...base,
        annotations: annotate([
          ["7", "index"],
          ["b", 1]
        ])
      },
      { ...base, annotations: annotate([["__proto__", "x"]]) },
      { ...base, message: ["two", "parts"] },
      { ...base, message: ["one"] },
      { ...base, message: { an: "object" } },
      { ...base, message: 42, logLevel: LogLevel.Warning }
    ]
    for (const options of cases) expect(jsonLine(options)).toBe(Logger.jsonLogger.log(options))
  })
})

describe("batchedLines", () => {
  it("writes lines in order, together, once the current work is done", async () => {
    const writes: Array<string> = []
    const write = batchedLines((text) => writes.push(text))
    write("a")
    write("b")
    expect(writes).toEqual([])
    await new Promise((r) => setImmediate(r))
    expect(writes).toEqual(["a\nb\n"])
    write("c")
    await new Promise((r) => setImmediate(r))
    expect(writes).toEqual(["a\nb\n", "c\n"])
  })

  it("writes at once when a batch reaches its size", () => {
    const writes: Array<string> = []
    const write = batchedLines((text) => writes.push(text), 10)
    write("0123456789")
    expect(writes).toEqual(["0123456789\n"])
  })
})
