import { SignupAudience } from "@poststack/application"
import { Effect, Layer } from "effect"

/**
 * A confirmed signup's topic before topics have tables of their own. Topics follow the opt-out
 * model (no row is subscribed), so with no opt-out rows anywhere a confirmed contact is already
 * subscribed to every topic: there is nothing to write. The form keeps its `topic_id`.
 */
export const make = SignupAudience.of({
  join: (form) =>
    form.topicId === null
      ? Effect.void
      : Effect.logDebug("signup confirmed: subscribed to the form's topic (opt-out model)").pipe(
          Effect.annotateLogs("topicId", form.topicId)
        )
})

export const layer = Layer.succeed(SignupAudience, make)
