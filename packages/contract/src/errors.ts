import { HttpApiSchema } from "@effect/platform"
import {
  AlreadyExists,
  DnsUnavailable,
  InvalidApiKey,
  PermissionDenied,
  RateLimitExceeded,
  ResourceNotFound,
  SpamScoringNotConfigured,
  StateConflict,
  StoreUnavailable,
  TrackingLinkInvalid,
  ValidationFailed
} from "@poststack/domain"
import { Schema } from "effect"

/**
 * Shows a message-carrying error class on the wire as `{ error, code }` with one HTTP status.
 * Handlers keep failing with the class itself; only the encoding changes.
 */
const asJsonError = <Self extends { readonly message: string }, I, Code extends string>(
  self: Schema.Schema<Self, I, never>,
  rebuild: (message: string) => Self,
  code: Code,
  status: number
) =>
  Schema.transform(
    Schema.Struct({ error: Schema.String, code: Schema.Literal(code) }),
    Schema.typeSchema(self),
    {
      strict: true,
      decode: ({ error }) => rebuild(error),
      encode: (e) => ({ error: e.message, code })
    }
  ).annotations(HttpApiSchema.annotations({ status }))

export const UnauthorizedJson = asJsonError(
  InvalidApiKey,
  (message) => new InvalidApiKey({ message }),
  "unauthorized",
  401
).annotations({ identifier: "Unauthorized" })

export const ForbiddenJson = asJsonError(
  PermissionDenied,
  (message) => new PermissionDenied({ message }),
  "forbidden",
  403
).annotations({ identifier: "Forbidden" })

export const NotFoundJson = asJsonError(
  ResourceNotFound,
  (message) => new ResourceNotFound({ message }),
  "not_found",
  404
).annotations({ identifier: "NotFound" })

export const ConflictJson = asJsonError(
  AlreadyExists,
  (message) => new AlreadyExists({ message }),
  "conflict",
  409
).annotations({ identifier: "Conflict" })

export const UnprocessableJson = asJsonError(
  ValidationFailed,
  (message) => new ValidationFailed({ message }),
  "unprocessable_entity",
  422
).annotations({ identifier: "UnprocessableEntity" })

export const UnavailableJson = asJsonError(
  StoreUnavailable,
  (message) => new StoreUnavailable({ message }),
  "internal_error",
  503
).annotations({ identifier: "ServiceUnavailable" })

/** 429 keeps `retryAfterSeconds` off the body: it travels in the `Retry-After` header. */
export const RateLimitedJson = Schema.transform(
  Schema.Struct({ error: Schema.String, code: Schema.Literal("rate_limit_exceeded") }),
  Schema.typeSchema(RateLimitExceeded),
  {
    strict: true,
    decode: ({ error }) => new RateLimitExceeded({ message: error, retryAfterSeconds: 1 }),
    encode: (e) => ({ error: e.message, code: "rate_limit_exceeded" as const })
  }
).annotations({ ...HttpApiSchema.annotations({ status: 429 }), identifier: "RateLimited" })

export const StateConflictJson = asJsonError(
  StateConflict,
  (message) => new StateConflict({ message }),
  "conflict",
  409
).annotations({ identifier: "StateConflict" })

export const DnsUnavailableJson = asJsonError(
  DnsUnavailable,
  (message) => new DnsUnavailable({ message }),
  "internal_error",
  503
).annotations({ identifier: "DnsUnavailable" })

/** A tampered or unknown tracking link: 404, never a redirect, and no hint of which part was wrong. */
export const TrackingLinkInvalidJson = asJsonError(
  TrackingLinkInvalid,
  (message) => new TrackingLinkInvalid({ message }),
  "not_found",
  404
).annotations({ identifier: "TrackingLinkInvalid" })

/** No spam filter on this server: 503 with its own code, so a client can tell it from an outage. */
export const SpamScoringNotConfiguredJson = asJsonError(
  SpamScoringNotConfigured,
  (message) => new SpamScoringNotConfigured({ message }),
  "spam_scoring_not_configured",
  503
).annotations({ identifier: "SpamScoringNotConfigured" })
