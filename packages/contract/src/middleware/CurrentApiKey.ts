import type { ApiKey } from "@poststack/domain"
import { Context } from "effect"

/** The key that authenticated the request; its team is the request's tenancy boundary. */
export class CurrentApiKey extends Context.Tag("@poststack/contract/CurrentApiKey")<
  CurrentApiKey,
  ApiKey
>() {}
