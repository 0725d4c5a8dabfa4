import { Schema } from "effect"

/** The address is not on the team's suppression list. */
export class SuppressionNotFound extends Schema.TaggedError<SuppressionNotFound>()(
  "SuppressionNotFound",
  {}
) {
  override get message() {
    return "Suppression not found"
  }
}
