import { Schema } from "effect"

/** No email with this id in the caller's reach (another team's or another domain's is absent too). */
export class EmailNotFound extends Schema.TaggedError<EmailNotFound>()("EmailNotFound", {
  publicId: Schema.String
}) {
  override get message() {
    return "Email not found"
  }
}

/** At least one of the email's deliveries has started, or none is left to stop. */
export class EmailNotCancellable extends Schema.TaggedError<EmailNotCancellable>()("EmailNotCancellable", {
  publicId: Schema.String
}) {
  override get message() {
    return "The email has already entered the sending pipeline"
  }
}

/** The email is not scheduled, or a worker has already taken one of its copies. */
export class EmailNotReschedulable extends Schema.TaggedError<EmailNotReschedulable>()(
  "EmailNotReschedulable",
  { publicId: Schema.String }
) {
  override get message() {
    return "Only a scheduled email that has not been sent can be rescheduled"
  }
}

/** A send time further ahead than an email may wait. */
export class ScheduleTooFarAhead extends Schema.TaggedError<ScheduleTooFarAhead>()("ScheduleTooFarAhead", {
  scheduledAt: Schema.DateFromSelf
}) {
  override get message() {
    return "scheduled_at must be within 30 days"
  }
}

/** An idempotency key already stored an email whose request differs from this one. */
export class IdempotencyKeyReused extends Schema.TaggedError<IdempotencyKeyReused>()("IdempotencyKeyReused", {
  publicId: Schema.String
}) {
  override get message() {
    return "Idempotency key already used with a different payload"
  }
}
