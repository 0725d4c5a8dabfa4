import {
  FetchHttpClient,
  HttpApiClient,
  HttpClient,
  HttpClientError,
  HttpClientRequest
} from "@effect/platform"
import { Api, errorTable } from "@poststack/contract"
import { Effect, ParseResult } from "effect"

/** The session's CSRF token, answered by sign-in and `GET /auth/session`; sent on every state change. */
let csrfToken: string | undefined
export const setCsrfToken = (token: string | undefined) => {
  csrfToken = token
}

const withCsrf = HttpClient.mapRequest((request: HttpClientRequest.HttpClientRequest) =>
  request.method === "GET" || request.method === "HEAD" || csrfToken === undefined
    ? request
    : HttpClientRequest.setHeader(request, "x-csrf-token", csrfToken)
)

/** The typed client of the same HttpApi the server implements; same origin, so the cookie goes along. */
const makeClient = HttpApiClient.make(Api, {
  baseUrl: window.location.origin,
  transformClient: withCsrf
}).pipe(Effect.provide(FetchHttpClient.layer))

export type Client = Effect.Effect.Success<typeof makeClient>

/**
 * A path parameter as one segment of the path. The client puts each one into the path as it is, so
 * a value with `/`, `?`, `#` or `%` (an address's local part may hold them all: a suppressed
 * `x/%2e%2e/%2e%2e/api-keys/2#@evil.test`) would otherwise aim the call at another route, with the
 * session's cookie and CSRF token. Those characters are percent-encoded (the server decodes a
 * parameter once); `.` and `..`, which no encoding keeps from meaning "this" and "the parent", are
 * refused.
 */
export const pathSegment = (value: string): string => {
  if (value === "." || value === "..")
    throw new ApiProblem("invalid_request", `"${value}" cannot name anything here`, undefined)
  return value.replace(/[%/\\?#\s]/gu, (c) => encodeURIComponent(c))
}

const segmentsOf = (path: unknown): unknown =>
  typeof path !== "object" || path === null
    ? path
    : Object.fromEntries(
        Object.entries(path).map(([k, v]) => [k, typeof v === "string" ? pathSegment(v) : v])
      )

/** The client, with every string path parameter of every endpoint made one segment. */
const withPathSegments = (api: Client): Client =>
  new Proxy(api, {
    get: (target, group) => {
      const endpoints: unknown = Reflect.get(target, group)
      if (typeof endpoints !== "object" || endpoints === null) return endpoints
      return new Proxy(endpoints, {
        get: (inner, name) => {
          const endpoint: unknown = Reflect.get(inner, name)
          if (typeof endpoint !== "function") return endpoint
          return (request?: { readonly path?: unknown }) =>
            endpoint(
              request === undefined || request.path === undefined
                ? request
                : { ...request, path: segmentsOf(request.path) }
            )
        }
      })
    }
  })

const client: Promise<Client> = Effect.runPromise(makeClient).then(withPathSegments)

/** An answer other than success, as the contract's `{error, code}`. */
export class ApiProblem extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number | undefined
  ) {
    super(message)
  }
}

/** The contract's code and status of a failure the client decoded, read from the contract's own table. */
const answerOf = (error: unknown): { readonly code: string; readonly status: number } | undefined =>
  Object.values(errorTable).find((row) =>
    (row.failures as ReadonlyArray<abstract new (...args: never) => unknown>).some(
      (failure) => error instanceof failure
    )
  )

const STATUS_CODES: Record<number, string> = {
  400: "invalid_request",
  401: "unauthorized",
  403: "forbidden",
  404: "not_found",
  409: "conflict",
  422: "unprocessable_entity",
  429: "rate_limit_exceeded"
}

const problemOf = async (error: unknown): Promise<ApiProblem> => {
  if (error instanceof HttpClientError.ResponseError) {
    const status = error.response.status
    const body = await Effect.runPromise(
      Effect.orElseSucceed(error.response.json, () => undefined as unknown)
    )
    const { error: message, code } = (body ?? {}) as { error?: unknown; code?: unknown }
    return new ApiProblem(
      typeof code === "string" ? code : (STATUS_CODES[status] ?? "internal_error"),
      typeof message === "string" ? message : `The server answered ${status}`,
      status
    )
  }
  if (error instanceof HttpClientError.RequestError) {
    return new ApiProblem(
      "network",
      "The server could not be reached. Check your connection and try again.",
      undefined
    )
  }
  // The client checks a request against the contract's schema before sending it: the same rules
  // the server applies, so the person hears of a short password without a round trip.
  if (ParseResult.isParseError(error)) {
    const issues = ParseResult.ArrayFormatter.formatErrorSync(error)
    const message = issues.map((issue) => issue.message).join("; ")
    return new ApiProblem(
      "invalid_request",
      message === "" ? "Check the form and try again." : message,
      undefined
    )
  }
  const tagged = error as { message?: unknown }
  const known = answerOf(error)
  if (known !== undefined && typeof tagged.message === "string") {
    return new ApiProblem(known.code, tagged.message, known.status)
  }
  return new ApiProblem("internal_error", "Something went wrong. Try again.", undefined)
}

/** Runs one call of the typed client; a failure is thrown as an `ApiProblem`. */
export const call = async <A, E>(use: (api: Client) => Effect.Effect<A, E>): Promise<A> => {
  const api = await client
  const exit = await Effect.runPromiseExit(use(api))
  if (exit._tag === "Success") return exit.value
  const failure = exit.cause._tag === "Fail" ? exit.cause.error : exit.cause
  throw await problemOf(failure)
}
