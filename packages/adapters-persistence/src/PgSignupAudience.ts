import { SignupAudience } from "@poststack/application"
import { Effect, Layer } from "effect"

/**
 * The audience of confirmed signups before segments and topics have tables of their own. Topics
 * follow the opt-out model (no row is subscribed), so a confirmed contact is already subscribed to
 * every topic; segment membership is recorded by the confirmed submission itself
 * (`signup_submissions.confirmed_at` with its form's `segment_id`), which the segments' migration
 * can read.
 */
export const make = SignupAudience.of({
  join: (form, contact) =>
    form.segmentId === null
      ? Effect.void
      : Effect.logDebug("signup confirmed: segment membership kept on the submission").pipe(
          Effect.annotateLogs({ segmentId: form.segmentId, contactId: contact.publicId })
        )
})

export const layer = Layer.succeed(SignupAudience, make)
