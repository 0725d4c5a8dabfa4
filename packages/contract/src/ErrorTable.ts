import {
  AlreadyExists,
  BroadcastAudienceUnknown,
  BroadcastHasNoAbTest,
  BroadcastNotFound,
  BroadcastNotInStatus,
  BillingNotConfigured,
  BillingProviderUnavailable,
  BillingWebhookInvalid,
  DailyLimitExceeded,
  MonthlyLimitExceeded,
  PlanNotFound,
  PlanNotPurchasable,
  SendLimitExceeded,
  BuilderBlocksInvalid,
  TemplateNotFound,
  TemplateNotPublished,
  TemplatePresetNotFound,
  TemplateSyntaxInvalid,
  TemplateUnknown,
  TemplateVariablesMissing,
  ContactAlreadyExists,
  ContactNotFound,
  ContactPropertyAlreadyExists,
  ContactPropertyNotFound,
  PrivacyJobNotFound,
  LastOwnerOfSharedTeam,
  SignupConfirmationInvalid,
  SignupFormNotFound,
  PropertyDefinitionInvalid,
  PropertyValueInvalid,
  SegmentContactsUnresolved,
  SegmentNotFound,
  SegmentNotManual,
  SegmentRulesInvalid,
  ApiKeyNotFound,
  DkimRecordNotPublished,
  DkimRotationNotStarted,
  DkimRotationUnderWay,
  DnsUnavailable,
  DomainAlreadyExists,
  DomainNotFound,
  DomainNotVerified,
  EmailNotCancellable,
  EmailNotFound,
  EmailNotReschedulable,
  IdempotencyKeyReused,
  InboundAttachmentNotFound,
  InboundEmailNotFound,
  InvalidApiKey,
  IpAddressNotFound,
  MailboxNotFound,
  OAuthNotConfigured,
  OAuthProviderUnavailable,
  OAuthRefused,
  NotificationChannelNotFound,
  NotificationDeliveryNotFound,
  PermissionDenied,
  RateLimitExceeded,
  ResourceNotFound,
  ScheduleTooFarAhead,
  SpamScoringNotConfigured,
  StateConflict,
  StoreUnavailable,
  SuppressionNotFound,
  TeamClosed,
  TrackingLinkInvalid,
  TopicNotFound,
  ValidationFailed,
  WebhookDeliveryNotFound,
  WebhookNotFound,
  WorkflowGraphInvalid,
  WorkflowNotFound,
  WorkflowNotTriggerable,
  WorkflowStepsRemoved
} from "@poststack/domain"

/**
 * Every failure the API answers with, by answer: the status, the contract's `code`, and the
 * failures that answer so. Keys are the answers' names in openapi.json. The first failure of
 * each row is what a client decodes the body into; the core fails with the named fact. Single
 * routes encode through `errors.ts`, built from this table; the batch route reads `answerFor`.
 */
export const errorTable = {
  Unauthorized: { status: 401, code: "unauthorized", failures: [InvalidApiKey] },
  Forbidden: { status: 403, code: "forbidden", failures: [PermissionDenied] },
  /** A key of a closed team: its own code, so a client can tell it from a mistyped key. */
  TeamClosed: { status: 403, code: "team_closed", failures: [TeamClosed] },
  NotFound: {
    status: 404,
    code: "not_found",
    failures: [
      ResourceNotFound,
      EmailNotFound,
      DomainNotFound,
      IpAddressNotFound,
      ApiKeyNotFound,
      InboundEmailNotFound,
      InboundAttachmentNotFound,
      WebhookNotFound,
      WebhookDeliveryNotFound,
      NotificationChannelNotFound,
      NotificationDeliveryNotFound,
      MailboxNotFound,
      SuppressionNotFound,
      ContactNotFound,
      ContactPropertyNotFound,
      PlanNotFound,
      SignupFormNotFound,
      SignupConfirmationInvalid,
      TopicNotFound,
      PrivacyJobNotFound,
      TemplateNotFound,
      TemplatePresetNotFound,
      SegmentNotFound,
      BroadcastNotFound,
      WorkflowNotFound
    ]
  },
  /** A tampered or unknown tracking link: 404, never a redirect, and no hint of which part was wrong. */
  TrackingLinkInvalid: { status: 404, code: "not_found", failures: [TrackingLinkInvalid] },
  Conflict: {
    status: 409,
    code: "conflict",
    failures: [AlreadyExists, DomainAlreadyExists, ContactAlreadyExists, ContactPropertyAlreadyExists]
  },
  LastOwner: { status: 409, code: "last_owner", failures: [LastOwnerOfSharedTeam] },
  StateConflict: {
    status: 409,
    code: "conflict",
    failures: [StateConflict, DkimRotationNotStarted, DkimRotationUnderWay, DkimRecordNotPublished]
  },
  UnprocessableEntity: {
    status: 422,
    code: "unprocessable_entity",
    failures: [
      ValidationFailed,
      DomainNotVerified,
      IdempotencyKeyReused,
      ScheduleTooFarAhead,
      EmailNotCancellable,
      EmailNotReschedulable,
      PropertyValueInvalid,
      PropertyDefinitionInvalid,
      PlanNotPurchasable,
      TemplateUnknown,
      TemplateNotPublished,
      TemplateSyntaxInvalid,
      TemplateVariablesMissing,
      BuilderBlocksInvalid,
      SegmentRulesInvalid,
      SegmentNotManual,
      BroadcastNotInStatus,
      BroadcastHasNoAbTest,
      BroadcastAudienceUnknown,
      WorkflowGraphInvalid,
      WorkflowNotTriggerable
    ]
  },
  /** The older SDK's workflow step routes: the step table is gone, replaced by the graph. */
  Gone: { status: 410, code: "gone", failures: [WorkflowStepsRemoved] },
  /** Contact ids a segment cannot resolve in the team: the contract's 400 (nothing is added). */
  SegmentContactsUnresolved: {
    status: 400,
    code: "invalid_request",
    failures: [SegmentContactsUnresolved]
  },
  /** The wait travels in the `Retry-After` header, not in the body. */
  RateLimited: { status: 429, code: "rate_limit_exceeded", failures: [RateLimitExceeded] },
  /** Plan quotas: 429 without `Retry-After`, so the SDK does not retry them. */
  MonthlyLimitExceeded: { status: 429, code: "monthly_limit_exceeded", failures: [MonthlyLimitExceeded] },
  DailyLimitExceeded: { status: 429, code: "daily_limit_exceeded", failures: [DailyLimitExceeded] },
  SendLimitExceeded: { status: 429, code: "send_limit_exceeded", failures: [SendLimitExceeded] },
  /** No Stripe account on this server: its own code, as for spam scoring. */
  BillingNotConfigured: { status: 503, code: "billing_not_configured", failures: [BillingNotConfigured] },
  BillingProviderUnavailable: {
    status: 502,
    code: "billing_unavailable",
    failures: [BillingProviderUnavailable]
  },
  /** A Stripe webhook whose signature does not verify (forged, altered or replayed late). */
  BillingWebhookInvalid: { status: 400, code: "invalid_signature", failures: [BillingWebhookInvalid] },
  ServiceUnavailable: { status: 503, code: "internal_error", failures: [StoreUnavailable] },
  DnsUnavailable: { status: 503, code: "internal_error", failures: [DnsUnavailable] },
  /** No spam filter on this server: its own code, so a client can tell it from an outage. */
  SpamScoringNotConfigured: {
    status: 503,
    code: "spam_scoring_not_configured",
    failures: [SpamScoringNotConfigured]
  },
  /** GitHub's answer signs no one in: consent denied, a state not matching the browser, no verified address. */
  OAuthRefused: { status: 400, code: "github_sign_in_failed", failures: [OAuthRefused] },
  /** No GitHub OAuth app configured on this server: its own code, as for spam scoring. */
  OAuthNotConfigured: { status: 503, code: "github_not_configured", failures: [OAuthNotConfigured] },
  OAuthProviderUnavailable: { status: 502, code: "github_unavailable", failures: [OAuthProviderUnavailable] }
} as const

export type AnswerName = keyof typeof errorTable

/** A failure the table answers for, by its answer's name. */
export type FailureOf<K extends AnswerName> = InstanceType<(typeof errorTable)[K]["failures"][number]>

/** Any failure the table answers for. */
export type AnsweredFailure = FailureOf<AnswerName>

export interface Answer {
  readonly status: number
  readonly code: string
}

const byTag = new Map<string, Answer>(
  Object.values(errorTable).flatMap(({ status, code, failures }) =>
    failures.map((failure) => [failure._tag, { status, code }] as const)
  )
)

const unexpected: Answer = { status: 500, code: "internal_error" }

/** The status and code a failure answers with; the table's, or 500 for one it does not know. */
export const answerFor = (failure: { readonly _tag: string }): Answer => byTag.get(failure._tag) ?? unexpected
