import {
  type AuditAction,
  type AuditDetails,
  clipUserAgent,
  type TeamId,
  type UserId,
  userActor
} from "@poststack/domain"
import { Clock, Effect, FiberRef } from "effect"
import { AuditLog } from "../../ports/AuditLog.js"
import { MembershipRepository } from "../../ports/MembershipRepository.js"
import { RequestOrigin } from "../audit/RequestOrigin.js"
import type { ClientContext } from "./ClientContext.js"

/**
 * Records an account action in the audit log. `person` is the actor (`null` when nobody is known,
 * as for a failed sign-in with an unknown address). `team` is the team the action is about; for
 * a personal action (`"personal"`: sign-in, password, 2FA, email, GitHub) one entry goes to every
 * team the person belongs to, so each team's owners see what happens to their members' accounts,
 * and a single entry with no team when they belong to none. The address and user agent come from
 * `client` when the route is public (no session yet), else from the request's origin. Like
 * `recordAudit`, a store that fails is logged and never turns the action into an error.
 */
const teamsOrNone = (ms: ReadonlyArray<{ readonly teamId: TeamId }>): ReadonlyArray<TeamId | null> =>
  ms.length === 0 ? [null] : ms.map((m) => m.teamId)

export const auditPerson = (
  person: UserId | null,
  action: AuditAction,
  team: TeamId | "personal",
  options: {
    readonly target?: { readonly type: string; readonly id: string | number } | null
    readonly details?: AuditDetails
    readonly client?: ClientContext
    readonly memberOf?: ReadonlyArray<{ readonly teamId: TeamId }>
  } = {}
) =>
  Effect.gen(function* () {
    const log = yield* AuditLog
    const origin = options.client ?? (yield* FiberRef.get(RequestOrigin))
    const at = new Date(yield* Clock.currentTimeMillis)
    const teams: ReadonlyArray<TeamId | null> =
      team !== "personal"
        ? [team]
        : person === null
          ? [null]
          : teamsOrNone(options.memberOf ?? (yield* (yield* MembershipRepository).listForUser(person)))
    const target =
      options.target === undefined
        ? person === null
          ? null
          : { type: "user", id: String(person) }
        : options.target === null
          ? null
          : { type: options.target.type, id: String(options.target.id) }
    for (const teamId of teams)
      yield* log.record({
        teamId,
        action,
        actor: person === null ? null : userActor(String(person)),
        target,
        details: options.details ?? {},
        address: origin?.address ?? null,
        userAgent: clipUserAgent(origin?.userAgent),
        at
      })
  }).pipe(
    Effect.catchAll((error) =>
      Effect.logError("audit entry not recorded", error).pipe(Effect.annotateLogs("action", action))
    )
  )
