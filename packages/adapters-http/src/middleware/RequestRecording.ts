import { HttpApp, HttpRouter, type HttpServerRequest } from "@effect/platform"
import { RequestLog, RequestOrigin } from "@poststack/application"
import { type Actor, clipUserAgent, type TeamId } from "@poststack/domain"
import { Clock, Effect, FiberRef, Option } from "effect"
import { requestStartedAt } from "./AccessLog.js"
import { clientAddress } from "./ClientAddress.js"

/**
 * Once a request is known to be a team's (its key or session checked), two things follow it:
 * the request's origin, for the audit entries its use cases record, and one row in the team's
 * API request log, written when the answer is ready (whatever its status) through the log's
 * background buffer. The row names the route template the router matched, never the path sent,
 * so ids, addresses and query strings stay out of it.
 */
export const recordRequest = Effect.fnUntraced(function* (
  request: HttpServerRequest.HttpServerRequest,
  teamId: TeamId,
  actor: Actor
) {
  const address = (yield* clientAddress) ?? null
  const userAgent = clipUserAgent(request.headers["user-agent"])
  yield* FiberRef.set(RequestOrigin, { address, userAgent })
  const route = yield* Effect.serviceOption(HttpRouter.RouteContext)
  if (Option.isNone(route)) return
  const endpoint = route.value.route.path
  const log = yield* RequestLog
  const started = requestStartedAt(request)
  yield* HttpApp.appendPreResponseHandler((_request, response) =>
    Effect.flatMap(Clock.currentTimeMillis, (now) =>
      log.record({
        teamId,
        actor,
        method: request.method,
        endpoint,
        status: response.status,
        durationMs: Math.max(0, Math.round(now - (started ?? now))),
        address,
        userAgent,
        at: new Date(now)
      })
    ).pipe(Effect.as(response))
  )
})
