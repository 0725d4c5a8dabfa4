import { Schema } from "effect"

/** The presented key is missing, malformed, unknown, revoked or expired. */
export class InvalidApiKey extends Schema.TaggedError<InvalidApiKey>()("InvalidApiKey", {
  message: Schema.String
}) {}

/** The key is valid but its permission or domain scope does not cover the operation. */
export class PermissionDenied extends Schema.TaggedError<PermissionDenied>()("PermissionDenied", {
  message: Schema.String
}) {}

/**
 * The key belonged to a team that was closed: it no longer works, and says so (rather than
 * looking like a mistyped key), until the team's data is deleted.
 */
export class TeamClosed extends Schema.TaggedError<TeamClosed>()("TeamClosed", {
  message: Schema.String
}) {}

/**
 * The resource does not exist for this team (other teams' resources are indistinguishable from
 * absent). What a client decodes a 404 into; the core fails with the named fact (`EmailNotFound`...).
 */
export class ResourceNotFound extends Schema.TaggedError<ResourceNotFound>()("ResourceNotFound", {
  message: Schema.String
}) {}

/** The input is well formed but cannot be accepted in the current state. */
export class ValidationFailed extends Schema.TaggedError<ValidationFailed>()("ValidationFailed", {
  message: Schema.String
}) {}

/** A duplicate of something that must be unique: what a client decodes a 409 into (the core names it, `DomainAlreadyExists`). */
export class AlreadyExists extends Schema.TaggedError<AlreadyExists>()("AlreadyExists", {
  message: Schema.String
}) {}

/** The caller has used up its request budget for the current window. */
export class RateLimitExceeded extends Schema.TaggedError<RateLimitExceeded>()("RateLimitExceeded", {
  message: Schema.String,
  retryAfterSeconds: Schema.Int
}) {}

/** The resource's current state forbids the operation: what a client decodes a state 409 into (the core names it, `DkimRotationUnderWay`). */
export class StateConflict extends Schema.TaggedError<StateConflict>()("StateConflict", {
  message: Schema.String
}) {}

/** The sender (envelope or `From:`) is not on a verified domain the caller may send from. */
export class SenderNotAllowed extends Schema.TaggedError<SenderNotAllowed>()("SenderNotAllowed", {
  message: Schema.String
}) {}

/** A received or submitted message is not one we accept as written (line endings, structure, MIME). */
export class MessageMalformed extends Schema.TaggedError<MessageMalformed>()("MessageMalformed", {
  message: Schema.String
}) {}

/** We do not take mail for this recipient (not a customer domain with inbound on, nor a bounce address of ours). */
export class RecipientRefused extends Schema.TaggedError<RecipientRefused>()("RecipientRefused", {
  message: Schema.String
}) {}
