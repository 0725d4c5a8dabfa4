import {
  FileSystem,
  HttpApi,
  HttpApiBuilder,
  HttpApiError,
  HttpIncomingMessage,
  HttpMethod,
  HttpServerError,
  HttpServerRequest,
  HttpServerResponse
} from "@effect/platform"
import { Cause, Context, Effect, Option, ParseResult, Schema, SchemaAST } from "effect"
import { bodyProblem } from "./BodyScreen.js"
import { provideInPlace } from "./RequestFiber.js"

export const errorResponse = (
  status: number,
  code: string,
  error: string,
  headers?: Record<string, string>
) => HttpServerResponse.unsafeJson({ error, code }, { status, ...(headers === undefined ? {} : { headers }) })

interface RouteTable {
  readonly allowed: (url: string) => ReadonlyArray<string>
  readonly isDeclared: (error: unknown) => boolean
}

/** Which methods each path accepts, and which failures the API knows how to encode. */
// biome-ignore lint/suspicious/noExplicitAny: reflect is generic over every API shape; only its routes are read.
type AnyApi = HttpApi.HttpApi<string, any, any, any>

const routeTable = (api: AnyApi): RouteTable => {
  const routes: Array<{ method: string; pattern: RegExp }> = []
  const guards: Array<(u: unknown) => boolean> = []
  HttpApi.reflect(api, {
    onGroup() {},
    onEndpoint({ endpoint, errors }) {
      const source = endpoint.path.replace(/:[^/]+/g, "[^/]+")
      routes.push({ method: endpoint.method, pattern: new RegExp(`^${source}/?$`) })
      for (const { ast } of errors.values()) {
        if (Option.isSome(ast)) guards.push(Schema.is(Schema.make(SchemaAST.typeAST(ast.value))))
      }
    }
  })
  return {
    allowed: (url) => {
      const path = url.split("?")[0] ?? ""
      return [...new Set(routes.filter((r) => r.pattern.test(path)).map((r) => r.method))]
    },
    isDeclared: (error) => guards.some((guard) => guard(error))
  }
}

/**
 * The value a message quotes, kept only when it is a short scalar: a whole object or array would
 * echo every other field of the body (a password, a token) into the answer and whatever logs it.
 */
const quoteBriefly = (message: string): string =>
  message.replace(/, actual (.+)$/s, (_, actual: string) => {
    if (actual.startsWith("{")) return ", actual an object"
    if (actual.startsWith("[")) return ", actual an array"
    return `, actual ${actual.length > 80 ? `${actual.slice(0, 80)}…` : actual}`
  })

/** Splits `a | b` or `a or b` at the top level (not inside brackets or parentheses). */
const alternatives = (expected: string): Array<string> => {
  const parts: Array<string> = []
  let depth = 0
  let start = 0
  for (let i = 0; i < expected.length; i++) {
    const c = expected[i]
    if (c === "(" || c === "{" || c === "[" || c === "<") depth++
    else if (c === ")" || c === "}" || c === "]" || c === ">") depth--
    else if (depth === 0 && (expected.startsWith(" | ", i) || expected.startsWith(" or ", i))) {
      parts.push(expected.slice(start, i))
      i += expected.startsWith(" | ", i) ? 2 : 3
      start = i + 1
    }
  }
  parts.push(expected.slice(start))
  return parts.map((p) => p.trim())
}

/** What a person calls the kind of value a schema's own description names; `undefined` when unsure. */
const kindOf = (schema: string): string | undefined => {
  const s = schema.replace(/^\(+/, "")
  if (/^(\{|Struct|Record)/.test(s)) return "an object"
  if (
    /^(ReadonlyArray<|Array<|NonEmptyReadonlyArray<|readonly \[|minItems\(|maxItems\(|itemsCount\()/.test(s)
  )
    return "an array"
  if (/^(string|minLength\(|maxLength\(|length\(|NonEmptyString|Trimmed|a string|"|`)/.test(s))
    return "a string"
  if (/^(number|Int|between\(|greaterThan|lessThan|NonNegative|Positive|finite|a number)/.test(s))
    return "a number"
  if (/^boolean/.test(s)) return "true or false"
  if (s === "null") return "null"
  return undefined
}

/** Effect's notation for a schema, which an expectation written for people never holds. */
const NOTATION =
  /\{ readonly|\{ \[|Struct|<->|ReadonlyArray<|Array<|Brand<|Redacted|(min|max)(Items|Length)\(|between\(|\bInt\b| & /

/**
 * `Expected <schema>, actual <value>` with the schema written out in Effect's own notation
 * (`{ readonly email: maxLength(320) }`, `ReadonlyArray<(Struct (Encoded side) <-> ...)>`) says
 * nothing to a client and shows our internals: it becomes the kind of value that was expected.
 */
const plainly = (message: string): string => {
  const m = /^Expected (.+), actual (.+)$/s.exec(message)
  if (m === null || !NOTATION.test(m[1] ?? "")) return message
  const kinds = alternatives(m[1] ?? "")
    .filter((a) => a !== "undefined")
    .map(kindOf)
  if (kinds.length === 0 || kinds.some((k) => k === undefined)) return `Invalid value, actual ${m[2]}`
  return `Expected ${[...new Set(kinds)].join(" or ")}, actual ${m[2]}`
}

/** One line a person can act on: per field, its problem, with the alternatives of a union merged. */
export const describeIssues = (error: HttpApiError.HttpApiDecodeError): string => {
  const byPath = new Map<string, Array<string>>()
  for (const issue of error.issues) {
    const path = issue.path.join(".")
    const messages = byPath.get(path) ?? []
    const message = plainly(quoteBriefly(issue.message))
    if (!messages.includes(message)) messages.push(message)
    byPath.set(path, messages)
  }
  const root = byPath.get("") ?? []
  if (
    byPath.size === 1 &&
    root.some((m) => /actual (null|undefined)$/.test(m) || m.startsWith("Expected an object,"))
  ) {
    return "Request body must be a JSON object"
  }
  const parts = [...byPath].map(([path, messages]) => {
    const text = mergeExpectations(messages)
    return path === "" ? text : `${path}: ${text}`
  })
  return parts.length === 0 ? "Invalid request" : parts.join("; ")
}

/** `Expected "a", actual "x"` and `Expected "b", actual "x"` read better as `Expected "a" or "b", actual "x"`. */
const mergeExpectations = (messages: ReadonlyArray<string>): string => {
  const parsed = messages.map((m) => /^Expected (.+), actual (.+)$/s.exec(m))
  if (messages.length < 2 || parsed.some((p) => p === null)) return messages[0] ?? "Invalid value"
  const expected = parsed.map((p) => p?.[1] ?? "")
  return `Expected ${expected.join(" or ")}, actual ${parsed[0]?.[2] ?? ""}`
}

/**
 * Refuses, as a response to die with (this middleware answers such a defect as it is), a request
 * whose URL carries NUL (`%00`) or whose body carries what no route may store: NUL characters or
 * lone UTF-16 surrogates in any string, or JSON nested too deep to decode safely (see `bodyProblem`).
 * Run once the caller is authenticated: reading the body of anyone who asks would let an anonymous
 * client make us buffer bodies up to the size limit.
 */
export const screenRequest = Effect.gen(function* () {
  const request = yield* HttpServerRequest.HttpServerRequest
  if (/%00/.test(request.url)) {
    return yield* Effect.die(errorResponse(400, "invalid_request", "Request must not contain NUL characters"))
  }
  const length = request.headers["content-length"]
  if (!HttpMethod.hasBody(request.method) || length === undefined || length === "0") return
  // No route takes multipart. Reading it as text here would leave the route's multipart parser
  // waiting on a drained stream, and the request would never be answered.
  if ((request.headers["content-type"] ?? "").toLowerCase().includes("multipart/form-data")) {
    return yield* Effect.die(
      errorResponse(400, "invalid_request", notJson(request) ?? "Multipart bodies are not read")
    )
  }
  // The body is cached, so the route decodes this same text; one that cannot be read is left
  // for the route to report as before.
  const text = yield* Effect.orElseSucceed(request.text, () => "")
  const problem = text === "" ? undefined : bodyProblem(request.headers["content-type"], text)
  if (problem !== undefined) return yield* Effect.die(errorResponse(400, "invalid_request", problem))
})

/**
 * A body sent without a JSON content type is not read as JSON, so its fields look missing: say
 * that instead of "from is missing".
 */
const notJson = (request: HttpServerRequest.HttpServerRequest): string | null => {
  const length = request.headers["content-length"]
  if (length === undefined || length === "0") return null
  const type = (request.headers["content-type"] ?? "").split(";")[0]?.trim().toLowerCase() ?? ""
  // What the platform reads as JSON, and nothing else: it reads `+json` types as bytes.
  if (type === "application/json") return null
  return `The body was not read as JSON: send it with the header Content-Type: application/json (it came ${type === "" ? "without a Content-Type" : `as ${type}`})`
}

/** A form-encoded body that is a form (`a=1&b=2`), not JSON sent with curl's default type. */
const isFormPost = (request: HttpServerRequest.HttpServerRequest, text: string) =>
  (request.headers["content-type"] ?? "").toLowerCase().startsWith("application/x-www-form-urlencoded") &&
  !/^\s*[[{"]/.test(text)

/**
 * A body of a type the platform would read as raw bytes (none of JSON, form, multipart or text):
 * no route takes one, and reading it after the body was screened as text would wait for ever on
 * a drained stream. Refused before any route or middleware reads it.
 */
const unreadBody = (request: HttpServerRequest.HttpServerRequest): string | null => {
  if (!HttpMethod.hasBody(request.method)) return null
  const header = (request.headers["content-type"] ?? "").toLowerCase().trim()
  if (header === "" || header.startsWith("text/")) return null
  for (const read of ["application/json", "x-www-form-urlencoded", "multipart/form-data"])
    if (header.includes(read)) return null
  return notJson(request)
}

const tooLarge = (maxBodyBytes: number) =>
  errorResponse(413, "invalid_request", `Request body exceeds ${maxBodyBytes} bytes`)

/**
 * Holds every response to the `{ error, code }` contract: validation, unknown routes, wrong
 * methods, malformed or oversized bodies and defects. Declared errors pass through to the
 * API's own encoding.
 */
export const contractMiddleware = (api: AnyApi, maxBodyBytes: number) => {
  const table = routeTable(api)
  const bodyLimit = Context.make(HttpIncomingMessage.MaxBodySize, Option.some(FileSystem.Size(maxBodyBytes)))
  return HttpApiBuilder.middleware((app) =>
    Effect.gen(function* () {
      const request = yield* HttpServerRequest.HttpServerRequest
      const length = request.headers["content-length"]
      if (length !== undefined && Number(length) > maxBodyBytes) return tooLarge(maxBodyBytes)
      if (request.headers["transfer-encoding"] !== undefined && length === undefined) {
        return errorResponse(411, "invalid_request", "Content-Length required")
      }
      const unread = unreadBody(request)
      if (unread !== null) return errorResponse(400, "invalid_request", unread)
      return yield* provideInPlace(bodyLimit, app).pipe(
        Effect.catchAllCause((cause) => {
          const failure = Cause.failureOption(cause)
          if (Option.isSome(failure)) {
            const e: unknown = failure.value
            if (e instanceof HttpApiError.HttpApiDecodeError) {
              // A real form post (the signup form's submit takes one) is read field by field, so
              // its fields' problems are what to say; JSON sent with a form's type is not.
              return Effect.map(
                Effect.orElseSucceed(request.text, () => ""),
                (text) =>
                  errorResponse(
                    400,
                    "invalid_request",
                    (isFormPost(request, text) ? null : notJson(request)) ?? describeIssues(e)
                  )
              )
            }
            if (e instanceof HttpServerError.RouteNotFound) {
              const allow = table.allowed(e.request.url)
              // A route that takes this method exists, so the router refused the path itself (a
              // parameter over its length limit, or escapes that decode to no character): no
              // resource has that name.
              return Effect.succeed(
                allow.length > 0 && !allow.includes(e.request.method)
                  ? errorResponse(405, "invalid_request", "Method not allowed", { allow: allow.join(", ") })
                  : errorResponse(404, "not_found", "Not found")
              )
            }
            if (ParseResult.isParseError(e)) {
              return Effect.succeed(errorResponse(400, "invalid_request", "Invalid request"))
            }
            if (table.isDeclared(e)) return Effect.failCause(cause)
            return Effect.logError("undeclared failure", cause).pipe(
              Effect.as(errorResponse(500, "internal_error", "Internal error"))
            )
          }
          const defect = Cause.dieOption(cause)
          if (Option.isSome(defect)) {
            const d: unknown = defect.value
            if (HttpServerResponse.isServerResponse(d)) return Effect.succeed(d)
            if (d instanceof HttpServerError.RequestError) {
              const exceeded = String((d.cause as { message?: unknown } | undefined)?.message ?? "").includes(
                "maxBytes"
              )
              return Effect.succeed(
                exceeded
                  ? tooLarge(maxBodyBytes)
                  : errorResponse(400, "invalid_request", "Malformed JSON body")
              )
            }
            return Effect.logError("unhandled defect", cause).pipe(
              Effect.as(errorResponse(500, "internal_error", "Internal error"))
            )
          }
          return Effect.failCause(cause)
        })
      )
    })
  )
}
