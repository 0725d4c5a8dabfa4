import { HttpApp, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { Context, Effect } from "effect"

/** The id of the request being served, echoed in `X-Request-Id` and on every log line. */
export class RequestId extends Context.Reference<RequestId>()("@poststack/adapters-http/RequestId", {
  defaultValue: () => "none"
}) {}

const ACCEPTABLE = /^[A-Za-z0-9._:-]{1,128}$/

export const withRequestId = (app: HttpApp.Default): HttpApp.Default =>
  Effect.gen(function* () {
    const request = yield* HttpServerRequest.HttpServerRequest
    const incoming = request.headers["x-request-id"]
    const id = incoming !== undefined && ACCEPTABLE.test(incoming) ? incoming : `req_${crypto.randomUUID()}`
    yield* HttpApp.appendPreResponseHandler((_request, response) =>
      Effect.succeed(HttpServerResponse.setHeader(response, "x-request-id", id))
    )
    return yield* app.pipe(Effect.provideService(RequestId, id), Effect.annotateLogs("requestId", id))
  })
