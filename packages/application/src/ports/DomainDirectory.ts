import type { DomainId, DomainRef, TeamId } from "@poststack/domain"
import { Context, type Effect, type Option } from "effect"
import type { StoreUnavailable } from "./StoreUnavailable.js"

/** Resolves the ways a client names a domain to the team's own domain id. */
export class DomainDirectory extends Context.Tag("@poststack/application/DomainDirectory")<
  DomainDirectory,
  {
    readonly resolve: (
      teamId: TeamId,
      ref: DomainRef
    ) => Effect.Effect<Option.Option<DomainId>, StoreUnavailable>
  }
>() {}
