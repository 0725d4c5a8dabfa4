import { SqlClient } from "@effect/sql"
import { SignupAudience } from "@poststack/application"
import { Effect, Layer } from "effect"
import { unavailable } from "./SqlErrors.js"

/**
 * A confirmed signup joins the form's topic. Topics follow the opt-out model (no row is
 * subscribed), so only an earlier opt-out of that topic needs undoing: it becomes an explicit
 * choice to receive it. A topic deleted since the form was saved is passed over.
 */
export const make = Effect.map(SqlClient.SqlClient, (sql) =>
  SignupAudience.of({
    join: (form, contact) =>
      form.topicId === null
        ? Effect.void
        : sql`
            UPDATE topic_subscriptions s SET subscribed = true, updated_at = now()
            FROM subscription_topics t
            WHERE t.team_id = ${form.teamId} AND t.public_id = ${form.topicId}
              AND s.topic_id = t.id AND s.contact_id = ${contact.id} AND NOT s.subscribed`.pipe(
            Effect.asVoid,
            unavailable
          )
  })
)

export const layer = Layer.effect(SignupAudience, make)
