import { HttpApp, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { Effect, FiberRef, HashMap } from "effect"

const ACCEPTABLE = /^[A-Za-z0-9._:-]{1,128}$/

/** On every response: no browser reads a JSON answer (which may quote what a sender wrote) as HTML. */
const NOSNIFF = "nosniff"

/**
 * The id of the request being served, echoed in `X-Request-Id` and on every log line, and
 * `X-Content-Type-Options: nosniff` on every response. Each request
 * runs in a fiber of its own, so the annotation is set on it directly rather than scoped around the
 * app (a scoped annotation costs a few dozen runtime steps per request).
 */
export const withRequestId = (app: HttpApp.Default): HttpApp.Default =>
  Effect.gen(function* () {
    const request = yield* HttpServerRequest.HttpServerRequest
    const incoming = request.headers["x-request-id"]
    const id = incoming !== undefined && ACCEPTABLE.test(incoming) ? incoming : `req_${crypto.randomUUID()}`
    yield* HttpApp.appendPreResponseHandler((_request, response) =>
      Effect.succeed(
        HttpServerResponse.setHeaders(response, { "x-request-id": id, "x-content-type-options": NOSNIFF })
      )
    )
    yield* FiberRef.update(FiberRef.currentLogAnnotations, HashMap.set("requestId", id as unknown))
    return yield* app
  })
