import type { Team, TeamId } from "@poststack/domain"
import { Context, type Effect, type Option } from "effect"
import type { NewApiKey } from "./ApiKeyRepository.js"
import type { StoreUnavailable } from "./StoreUnavailable.js"

export class TeamRepository extends Context.Tag("@poststack/application/TeamRepository")<
  TeamRepository,
  {
    /**
     * Creates the first team and its first key, only if no team exists yet. Safe when several
     * processes start at once: exactly one of them gets `Some`.
     */
    readonly createFirst: (
      name: string,
      key: Omit<NewApiKey, "teamId">
    ) => Effect.Effect<Option.Option<Team>, StoreUnavailable>
    readonly create: (name: string) => Effect.Effect<Team, StoreUnavailable>
    readonly get: (id: TeamId) => Effect.Effect<Option.Option<Team>, StoreUnavailable>
    readonly list: () => Effect.Effect<ReadonlyArray<Team>, StoreUnavailable>
  }
>() {}
