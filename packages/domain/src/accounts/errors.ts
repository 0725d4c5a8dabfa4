import { Schema } from "effect"

/**
 * The email and password do not match an account that may sign in. One message for every cause
 * (unknown address, wrong password, no password set), so the answer names no account.
 */
export class CredentialsRejected extends Schema.TaggedError<CredentialsRejected>()("CredentialsRejected", {
  message: Schema.String
}) {}

/** No live session: never signed in, signed out, revoked or past its 24 hours. */
export class SessionRequired extends Schema.TaggedError<SessionRequired>()("SessionRequired", {
  message: Schema.String
}) {}

/** A single-use link that is unknown, already used or expired; one answer for all three. */
export class LinkInvalid extends Schema.TaggedError<LinkInvalid>()("LinkInvalid", {
  message: Schema.String
}) {}

/**
 * A person who is the only owner of a team that has other members cannot delete their account:
 * the team would be left without an owner. They make someone else an owner, or close the team.
 */
export class LastOwnerOfSharedTeam extends Schema.TaggedError<LastOwnerOfSharedTeam>()(
  "LastOwnerOfSharedTeam",
  { message: Schema.String }
) {}
