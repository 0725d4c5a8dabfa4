import { type HttpApp, HttpApp as App, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { Effect } from "effect"
import { errorResponse } from "./Contract.js"

const SUBMIT = /^\/signup-forms\/[^/]+\/submit\/?$/

/** A form has a handful of fields: anything bigger is not a person signing up. */
export const MAX_SUBMIT_BYTES = 64 * 1024

const ANSWER_HEADERS = {
  "access-control-allow-origin": "*",
  "access-control-expose-headers": "retry-after, x-request-id"
}

/** Header names as a preflight lists them: tokens and commas only, or nothing is allowed. */
const HEADER_LIST = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+(\s*,\s*[A-Za-z0-9!#$%&'*+.^_`|~-]+)*$/

/**
 * Cross-origin access to the public submit route, the one route a page on another site calls: an
 * embedded form posts JSON to it from the customer's own domain. Any origin may, without
 * credentials (no cookie is read there and none is set), so `*` is the whole policy. A preflight
 * is answered here, before the router (which would say 405); every answer of the route, failures
 * included, carries the header, so the page can read a 422 or a 429. Nothing else gets CORS.
 */
export const signupFormCors = <E, R>(
  app: HttpApp.Default<E, R>
): HttpApp.Default<E, R | HttpServerRequest.HttpServerRequest> =>
  Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) => {
    if (!SUBMIT.test(request.url.split("?")[0] ?? "")) return app
    if (request.method === "OPTIONS") {
      const asked = request.headers["access-control-request-headers"] ?? ""
      return Effect.succeed(
        HttpServerResponse.empty({
          status: 204,
          headers: {
            "access-control-allow-origin": "*",
            "access-control-allow-methods": "POST, OPTIONS",
            "access-control-max-age": "86400",
            ...(asked.length <= 500 && HEADER_LIST.test(asked)
              ? { "access-control-allow-headers": asked }
              : {})
          }
        })
      )
    }
    const cors = App.appendPreResponseHandler((_request, response) =>
      Effect.succeed(HttpServerResponse.setHeaders(response, ANSWER_HEADERS))
    )
    if (Number(request.headers["content-length"] ?? 0) > MAX_SUBMIT_BYTES)
      return Effect.as(
        cors,
        errorResponse(413, "invalid_request", `A form submission is at most ${MAX_SUBMIT_BYTES} bytes`)
      )
    return Effect.zipRight(cors, app)
  })
