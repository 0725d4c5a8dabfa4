import type { Principal } from "@poststack/domain"
import { Context } from "effect"

/**
 * Who made the request: an API key, or a person signed in to the dashboard acting on the team
 * their session selected, with their role there. The team is the request's tenancy boundary.
 */
export class CurrentPrincipal extends Context.Tag("@poststack/contract/CurrentPrincipal")<
  CurrentPrincipal,
  Principal
>() {}
