import {
  type ApiKey,
  type EncodedWebhookEvent,
  coversDomain,
  type DomainId,
  roleAllows,
  grantFor,
  PermissionDenied,
  type Principal,
  type Reach,
  type RouteFamily,
  type TeamId
} from "@poststack/domain"
import { Effect } from "effect"

export type { Principal }

export const viaApiKey = (key: ApiKey): Principal => ({ _tag: "ApiKey", teamId: key.teamId, key })
export const asOperator = (teamId: TeamId): Principal => ({ _tag: "Operator", teamId })

const OPERATOR_REACH: Reach = { permission: "full_access", mode: "live", domainId: null }

export const reachOf = (principal: Principal): Reach =>
  principal._tag === "ApiKey" ? principal.key : OPERATOR_REACH

/**
 * The outbox events of a contact change made by `principal`. A test key's changes reach webhooks
 * but start no workflow run, whose mail is live.
 */
export const outboxFor =
  (principal: Principal) =>
  (events: ReadonlyArray<EncodedWebhookEvent>): ReadonlyArray<EncodedWebhookEvent> =>
    reachOf(principal).mode === "test"
      ? events.map((e) => ({ ...e, startsWorkflows: false as const }))
      : events

/** Where a use case may act: the team, and within it one domain or (`null`) all of them. */
export interface Scope {
  readonly teamId: TeamId
  readonly domainId: DomainId | null
}

const denied = (reach: Reach) =>
  new PermissionDenied({
    message:
      reach.permission === "sending_access" || reach.domainId === null
        ? "API key does not have permission"
        : "API key does not have permission: it is scoped to one domain"
  })

/**
 * The one gate every use case behind a key passes: the family's grant for this principal, read
 * from the scope table (`SCOPE_TABLE`). A denied family fails with `PermissionDenied` (403); an
 * allowed one returns the scope the use case then holds its reads and writes to.
 */
export const authorize = (
  principal: Principal,
  family: RouteFamily
): Effect.Effect<Scope, PermissionDenied> => {
  if (principal._tag === "Person" && family === "apiKeys" && !roleAllows(principal.role, "manage_api_keys"))
    return Effect.fail(new PermissionDenied({ message: "Only owners and admins can manage API keys" }))
  if (
    principal._tag === "Person" &&
    (family === "auditLog" || family === "requestLogs") &&
    !roleAllows(principal.role, "read_audit_log")
  )
    return Effect.fail(new PermissionDenied({ message: "Only owners and admins can read the team's logs" }))
  if (
    principal._tag === "Person" &&
    family === "privacy" &&
    !roleAllows(principal.role, "manage_data_subjects")
  )
    return Effect.fail(
      new PermissionDenied({ message: "Only owners and admins can export or erase a data subject" })
    )
  const reach = reachOf(principal)
  const grant = grantFor(reach, family)
  if (grant === "denied") return Effect.fail(denied(reach))
  return Effect.succeed({ teamId: principal.teamId, domainId: grant === "team" ? null : reach.domainId })
}

/** Whether a resource of `domainId` is inside the scope; outside it, a resource is not found. */
export const inScope = (scope: Scope, domainId: number | null): boolean => coversDomain(scope, domainId)
