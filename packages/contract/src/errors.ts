import { HttpApiSchema } from "@effect/platform"
import {
  BillingNotConfigured,
  BillingProviderUnavailable,
  BillingWebhookInvalid,
  DailyLimitExceeded,
  MonthlyLimitExceeded,
  SendLimitExceeded,
  InvalidApiKey,
  LastOwnerOfSharedTeam,
  PermissionDenied,
  RateLimitExceeded,
  ResourceNotFound,
  SegmentContactsUnresolved,
  AlreadyExists,
  DnsUnavailable,
  OAuthNotConfigured,
  OAuthProviderUnavailable,
  OAuthRefused,
  SpamScoringNotConfigured,
  StateConflict,
  StoreUnavailable,
  TeamClosed,
  TrackingLinkInvalid,
  ValidationFailed,
  WorkflowStepsRemoved
} from "@poststack/domain"
import { Schema } from "effect"
import { type AnswerName, errorTable, type FailureOf } from "./ErrorTable.js"

/**
 * One answer of the error table on the wire: `{ error, code }` with its status. Handlers fail
 * with the named facts of the row; a client decodes the body into `rebuild`'s generic form.
 */
const answer = <K extends AnswerName>(
  name: K,
  rebuild: (message: string) => FailureOf<K>
): Schema.Schema<FailureOf<K>, { readonly error: string; readonly code: (typeof errorTable)[K]["code"] }> => {
  const { status, code, failures } = errorTable[name]
  const members = failures as unknown as readonly [Schema.Schema<FailureOf<K>, unknown>]
  return Schema.transform(
    Schema.Struct({ error: Schema.String, code: Schema.Literal(code) }),
    Schema.typeSchema(Schema.Union(...members)),
    {
      strict: true,
      decode: ({ error }) => rebuild(error),
      encode: (failure) => ({ error: failure.message, code })
    }
  ).annotations({ ...HttpApiSchema.annotations({ status }), identifier: name }) as never
}

export const UnauthorizedJson = answer("Unauthorized", (message) => new InvalidApiKey({ message }))

export const ForbiddenJson = answer("Forbidden", (message) => new PermissionDenied({ message }))

export const TeamClosedJson = answer("TeamClosed", (message) => new TeamClosed({ message }))

export const NotFoundJson = answer("NotFound", (message) => new ResourceNotFound({ message }))

export const ConflictJson = answer("Conflict", (message) => new AlreadyExists({ message }))

export const UnprocessableJson = answer("UnprocessableEntity", (message) => new ValidationFailed({ message }))

export const UnavailableJson = answer("ServiceUnavailable", (message) => new StoreUnavailable({ message }))

/** 429 keeps `retryAfterSeconds` off the body: it travels in the `Retry-After` header. */
export const RateLimitedJson = answer(
  "RateLimited",
  (message) => new RateLimitExceeded({ message, retryAfterSeconds: 1 })
)

export const StateConflictJson = answer("StateConflict", (message) => new StateConflict({ message }))

export const DnsUnavailableJson = answer("DnsUnavailable", (message) => new DnsUnavailable({ message }))

export const TrackingLinkInvalidJson = answer(
  "TrackingLinkInvalid",
  (message) => new TrackingLinkInvalid({ message })
)

export const SpamScoringNotConfiguredJson = answer(
  "SpamScoringNotConfigured",
  (message) => new SpamScoringNotConfigured({ message })
)

export const OAuthRefusedJson = answer("OAuthRefused", (message) => new OAuthRefused({ message }))

export const OAuthNotConfiguredJson = answer(
  "OAuthNotConfigured",
  (message) => new OAuthNotConfigured({ message })
)

export const OAuthProviderUnavailableJson = answer(
  "OAuthProviderUnavailable",
  (message) => new OAuthProviderUnavailable({ message })
)

export const MonthlyLimitJson = answer(
  "MonthlyLimitExceeded",
  (message) => new MonthlyLimitExceeded({ message })
)

export const DailyLimitJson = answer("DailyLimitExceeded", (message) => new DailyLimitExceeded({ message }))

export const SendLimitJson = answer("SendLimitExceeded", (message) => new SendLimitExceeded({ message }))

export const BillingNotConfiguredJson = answer("BillingNotConfigured", () => new BillingNotConfigured())

export const BillingUnavailableJson = answer(
  "BillingProviderUnavailable",
  () => new BillingProviderUnavailable()
)

export const BillingWebhookInvalidJson = answer("BillingWebhookInvalid", (message) =>
  message === "Invalid Stripe signature"
    ? new BillingWebhookInvalid()
    : new BillingWebhookInvalid({ reason: message })
)

export const ContactsUnresolvedJson = answer(
  "SegmentContactsUnresolved",
  (message) => new SegmentContactsUnresolved({ message })
)

/** 410 for routes that existed once and were removed upstream. */
export const GoneJson = answer("Gone", () => new WorkflowStepsRemoved())

export const LastOwnerJson = answer("LastOwner", (message) => new LastOwnerOfSharedTeam({ message }))
