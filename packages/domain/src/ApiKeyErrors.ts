import { Schema } from "effect"

/** No such API key in the caller's reach (a key the caller may not manage counts as absent). */
export class ApiKeyNotFound extends Schema.TaggedError<ApiKeyNotFound>()("ApiKeyNotFound", {}) {
  override get message() {
    return "API key not found"
  }
}
