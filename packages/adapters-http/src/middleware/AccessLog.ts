import { type HttpApp, HttpServerError, HttpServerRequest } from "@effect/platform"
import { Clock, Effect, Exit, FiberRef, HashMap } from "effect"

/**
 * One line per request: method, path (never the query string, which may carry addresses),
 * status and duration. Headers and bodies are not logged at all.
 */
export const accessLog = (app: HttpApp.Default): HttpApp.Default =>
  Effect.gen(function* () {
    const request = yield* HttpServerRequest.HttpServerRequest
    const start = yield* Clock.currentTimeMillis
    const exit = yield* Effect.exit(app)
    const status = Exit.isSuccess(exit)
      ? exit.value.status
      : HttpServerError.causeResponseStripped(exit.cause)[0].status
    const path = maskAddresses(request.url.split("?")[0] ?? "/")
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

/** Paths such as `/suppressions/a%40b.com` carry an address: keep the shape, drop the person. */
const maskAddresses = (path: string): string =>
  path
    .split("/")
    .map((segment) => (/@|%40/i.test(segment) ? ":address" : segment))
    .join("/")
