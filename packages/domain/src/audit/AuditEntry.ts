import { Schema } from "effect"
import { TeamId } from "../Team.js"
import { Actor } from "./Actor.js"

/**
 * Every security-relevant action the audit log knows. The account ones (sign-in, 2FA, password,
 * email, members, data rights) are listed now so the accounts work records into the same log.
 */
export const AuditAction = Schema.Literal(
  "api_key.created",
  "api_key.rotated",
  "api_key.revoked",
  "domain.added",
  "domain.removed",
  "webhook.created",
  "webhook.updated",
  "webhook.deleted",
  "notification_channel.created",
  "notification_channel.updated",
  "notification_channel.deleted",
  "suppression.added",
  "suppression.removed",
  "account.signed_up",
  "account.signed_in",
  "account.sign_in_failed",
  "account.signed_out",
  "account.signed_out_everywhere",
  "account.two_factor_enabled",
  "account.two_factor_disabled",
  "account.backup_codes_regenerated",
  "account.backup_code_used",
  "account.password_changed",
  "account.password_reset",
  "account.email_change_requested",
  "account.email_changed",
  "account.github_linked",
  "account.github_unlinked",
  "account.deleted",
  "member.invited",
  "member.joined",
  "member.invitation_revoked",
  "member.removed",
  "member.role_changed",
  "team.created",
  "team.closed",
  "data.exported",
  "billing.plan_changed",
  "billing.checkout_started",
  "billing.subscription_changed",
  "data.erased"
)
export type AuditAction = typeof AuditAction.Type

/** What an action was done to: a kind of resource and its public id. */
export const AuditTarget = Schema.Struct({ type: Schema.String, id: Schema.String })
export type AuditTarget = typeof AuditTarget.Type

/**
 * Small facts about the action (a key's name and permission, a domain's name, which fields of a
 * webhook changed). Never a secret, a URL that may carry one, or a body.
 */
export const AuditDetails = Schema.Record({
  key: Schema.String,
  value: Schema.Union(Schema.String, Schema.Number, Schema.Boolean, Schema.Null)
})
export type AuditDetails = typeof AuditDetails.Type

/** An action about to be recorded. `teamId` is null for account actions not tied to a team. */
export const NewAuditEntry = Schema.Struct({
  teamId: Schema.NullOr(TeamId),
  action: AuditAction,
  /** `null`: nobody was authenticated (a failed sign-in for an unknown address). */
  actor: Schema.NullOr(Actor),
  target: Schema.NullOr(AuditTarget),
  details: AuditDetails,
  /** The client's address, as the request arrived (behind trusted proxies, the forwarded one). */
  address: Schema.NullOr(Schema.String),
  userAgent: Schema.NullOr(Schema.String),
  at: Schema.DateFromSelf
})
export type NewAuditEntry = typeof NewAuditEntry.Type

export class AuditEntry extends Schema.Class<AuditEntry>("AuditEntry")({
  id: Schema.String,
  ...NewAuditEntry.fields
}) {}

/** How long entries are kept (P28): the purge task deletes older ones. */
export const AUDIT_RETENTION_DAYS = 90

/** The longest user agent kept: enough to tell browsers and SDKs apart, too short to carry a payload. */
export const MAX_USER_AGENT = 512

export const clipUserAgent = (userAgent: string | null | undefined): string | null =>
  userAgent === undefined || userAgent === null || userAgent === ""
    ? null
    : userAgent.slice(0, MAX_USER_AGENT)
