import type { ApiKeyMode, ApiKeyPermission } from "./ApiKey.js"
import type { DomainId } from "./domains/DomainRef.js"

/**
 * What a request may reach, whoever makes it. An API key carries its permission, mode and domain
 * scope; an operator (the CLI) reaches the whole team with full access.
 */
export interface Reach {
  readonly permission: ApiKeyPermission
  readonly mode: ApiKeyMode
  /** `null`: every domain of the team. */
  readonly domainId: DomainId | null
}

/** The families of the API's routes, as the scope table in docs/key-scopes.md names them. */
export type RouteFamily =
  | "emails.send"
  | "emails"
  | "domains.create"
  | "domains"
  | "apiKeys"
  | "suppressions"
  | "webhooks"
  | "inbound"
  | "notificationChannels"
  | "emailValidations"
  | "auditLog"
  | "requestLogs"
  | "accounts"
  | "contacts"
  | "signupForms"
  | "topics"
  | "privacy"
  | "templates"
  | "segments"
  | "broadcasts"
  | "workflows"
  | "billing"

/**
 * How far a key reaches in one family: the whole team, only resources of its own domain, or
 * nothing (403).
 */
export type Grant = "team" | "own_domain" | "denied"

type Row = readonly [fullTeam: Grant, fullScoped: Grant, sendingTeam: Grant, sendingScoped: Grant]

/**
 * The scope table. A scoped key never reaches a team-wide resource (suppressions, webhooks, new
 * domains): those act on, or report about, every domain of the team.
 */
export const SCOPE_TABLE: Readonly<Record<RouteFamily, Row>> = {
  "emails.send": ["team", "own_domain", "team", "own_domain"],
  emails: ["team", "own_domain", "team", "own_domain"],
  "domains.create": ["team", "denied", "denied", "denied"],
  domains: ["team", "own_domain", "denied", "denied"],
  apiKeys: ["team", "own_domain", "denied", "denied"],
  suppressions: ["team", "denied", "denied", "denied"],
  webhooks: ["team", "denied", "denied", "denied"],
  inbound: ["team", "own_domain", "denied", "denied"],
  notificationChannels: ["team", "denied", "denied", "denied"],
  emailValidations: ["team", "own_domain", "denied", "denied"],
  auditLog: ["team", "denied", "denied", "denied"],
  requestLogs: ["team", "denied", "denied", "denied"],
  // People's sessions, accounts and teams (`/auth/session*`, `/account`, `/teams`): a leaked key
  // must not invite members, change roles or read who belongs to the team.
  accounts: ["denied", "denied", "denied", "denied"],
  // Contacts and their properties (`/contacts*`, `/contact-properties*`): the team's audience,
  // which belongs to no one domain.
  contacts: ["team", "denied", "denied", "denied"],
  // The plan, usage and billing pages (`/billing*`): what the team pays is no one domain's business.
  billing: ["team", "denied", "denied", "denied"],
  // Signup forms (`/signup-forms*`): they write to the team's audience. Their public submit route
  // takes no key at all.
  signupForms: ["team", "denied", "denied", "denied"],
  // Subscription topics and contacts' choices about them (`/subscription-topics*`): the team's
  // audience again, so as contacts.
  topics: ["team", "denied", "denied", "denied"],
  // Data-subject exports and erasures (P37): every email, event and contact of the team that names
  // an address, so only a full-access key or an owner or admin.
  privacy: ["team", "denied", "denied", "denied"],
  // Templates (`/templates*`): shared by every domain of the team. A sending key still sends
  // from a published template through `/emails`; it cannot read or change one here.
  templates: ["team", "denied", "denied", "denied"],
  // Segments (`/segments*`): parts of the audience, and through rules a read of its engagement.
  segments: ["team", "denied", "denied", "denied"],
  // Broadcasts (`/broadcasts*`): mail to the team's audience, which belongs to no one domain.
  broadcasts: ["team", "denied", "denied", "denied"],
  // Workflows (`/workflows*`): they read the audience and send from the team's templates and
  // webhooks, so as contacts.
  workflows: ["team", "denied", "denied", "denied"]
}

/** The grant a reach has in a family, read from `SCOPE_TABLE`. */
export const grantFor = (reach: Reach, family: RouteFamily): Grant => {
  const row = SCOPE_TABLE[family]
  const column = (reach.permission === "full_access" ? 0 : 2) + (reach.domainId === null ? 0 : 1)
  return row[column] ?? "denied"
}

/** Whether a resource of `domainId` (`null`: of no domain) is inside the reach's domain scope. */
export const coversDomain = (reach: Pick<Reach, "domainId">, domainId: number | null): boolean =>
  reach.domainId === null || reach.domainId === domainId

/**
 * Whether a key may see or manage another key: only one reaching no further than itself, so no
 * key can rotate, revoke or read out a stronger one. A scoped key manages keys of its domain; a
 * test key manages test keys; a sending key manages nothing (its family is denied).
 */
export const reachesNoFurther = (target: Reach, caller: Reach): boolean =>
  coversDomain(caller, target.domainId) &&
  (caller.mode === "live" || target.mode === "test") &&
  (caller.permission === "full_access" || target.permission === "sending_access")
