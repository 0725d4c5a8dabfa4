import {
  type ApiKey,
  type Actor,
  type AuditAction,
  type AuditDetails,
  apiKeyActor,
  clipUserAgent,
  OPERATOR,
  userActor
} from "@poststack/domain"
import { Clock, Effect, FiberRef } from "effect"
import { AuditLog } from "../../ports/AuditLog.js"
import type { Principal } from "../Principal.js"
import { RequestOrigin } from "./RequestOrigin.js"

/** The actor a principal records as: its key, the person signed in, or the operator at the command line. */
export const actorOf = (principal: Principal): Actor =>
  principal._tag === "ApiKey"
    ? apiKeyActor(principal.key.id)
    : principal._tag === "Person"
      ? userActor(String(principal.userId))
      : OPERATOR

/**
 * Records an action the principal has just done in its team's audit log, with the request's
 * address and user agent. The action has happened by then: a store that fails here is logged
 * and does not turn the caller's success into an error (which a client would retry).
 */
export const recordAudit = (
  principal: Principal,
  action: AuditAction,
  target: { readonly type: string; readonly id: string | number } | null,
  details: AuditDetails = {}
) =>
  Effect.gen(function* () {
    const log = yield* AuditLog
    const origin = yield* FiberRef.get(RequestOrigin)
    const at = new Date(yield* Clock.currentTimeMillis)
    yield* log
      .record({
        teamId: principal.teamId,
        action,
        actor: actorOf(principal),
        target: target === null ? null : { type: target.type, id: String(target.id) },
        details,
        address: origin?.address ?? null,
        userAgent: clipUserAgent(origin?.userAgent),
        at
      })
      .pipe(
        Effect.catchAll((error) =>
          Effect.logError("audit entry not recorded", error).pipe(Effect.annotateLogs("action", action))
        )
      )
  })

/** What the log keeps about a key: its name, permission, mode and scope; never its secret or hash. */
export const keyDetails = (key: ApiKey): AuditDetails => ({
  name: key.name,
  permission: key.permission,
  mode: key.mode,
  domain_id: key.domainId
})
