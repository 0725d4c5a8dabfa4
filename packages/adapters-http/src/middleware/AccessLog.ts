import { type HttpApp, HttpServerError, HttpServerRequest } from "@effect/platform"
import { Clock, Effect, Exit, FiberRef, HashMap } from "effect"

/**
 * When each request being served arrived (ms since the epoch), for the request log, by the Node
 * request underneath (the one object every view of a request shares). Kept beside the request
 * rather than in a fiber ref of its own: setting one copies every fiber ref of the request's fiber.
 */
const startedAt = new WeakMap<object, number>()

/** When `request` arrived (ms since the epoch), or `undefined` outside the access log. */
export const requestStartedAt = (request: HttpServerRequest.HttpServerRequest): number | undefined =>
  typeof request.source === "object" && request.source !== null ? startedAt.get(request.source) : undefined

/**
 * One line per request: method, path (never the query string, which may carry addresses),
 * status and duration. Headers and bodies are not logged at all.
 */
export const accessLog = (app: HttpApp.Default): HttpApp.Default =>
  Effect.gen(function* () {
    const request = yield* HttpServerRequest.HttpServerRequest
    const start = yield* Clock.currentTimeMillis
    if (typeof request.source === "object" && request.source !== null) startedAt.set(request.source, start)
    const exit = yield* Effect.exit(app)
    const status = Exit.isSuccess(exit)
      ? exit.value.status
      : HttpServerError.causeResponseStripped(exit.cause)[0].status
    const path = maskPath(request.url.split("?")[0] ?? "/")
    // Health probes are polled every few seconds: logged at debug level so they do not drown the rest.
    const log = path === "/healthz" || path === "/readyz" ? Effect.logDebug : Effect.logInfo
    // The request's fiber ends with it: its annotations are set in place, not scoped.
    const durationMs = (yield* Clock.currentTimeMillis) - start
    yield* FiberRef.update(FiberRef.currentLogAnnotations, (annotations) =>
      HashMap.mutate(annotations, (m) => {
        HashMap.set(m, "method", request.method)
        HashMap.set(m, "path", path)
        HashMap.set(m, "status", status)
        HashMap.set(m, "durationMs", durationMs)
      })
    )
    yield* log("http request")
    return yield* exit
  })

/**
 * Keeps a path's shape and drops what identifies a person or opens a door: a segment carrying an
 * address (`/suppressions/a%40b.com`), and the signature of a tracking or unsubscribe link
 * (`/t/o|c/:emailId/:deliveryId/:signature`, `/u/:emailId/:deliveryId/:signature`), which is all
 * anyone reading the log would need to unsubscribe the recipient or forge their clicks, and of a
 * signup confirmation link (`/f/:submissionId/:signature`), which would subscribe them.
 */
export const maskPath = (path: string): string => {
  const segments = path.split("/")
  const signatureAt =
    segments[1] === "t" ? 5 : segments[1] === "u" ? 4 : segments[1] === "f" ? 3 : segments.length
  return segments
    .map((segment, i) => (i >= signatureAt ? ":signature" : /@|%40/i.test(segment) ? ":address" : segment))
    .join("/")
}
