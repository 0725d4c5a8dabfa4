import type { Membership, Role, Team, TeamId, UserId } from "@poststack/domain"
import { Context, type Effect, type Option } from "effect"
import type { StoreUnavailable } from "./StoreUnavailable.js"

/** Who belongs to which team, with which role. */
export class MembershipRepository extends Context.Tag("@poststack/application/MembershipRepository")<
  MembershipRepository,
  {
    /** A new team with `owner` as its only member. */
    readonly createTeam: (name: string, owner: UserId) => Effect.Effect<Team, StoreUnavailable>
    /** The person's teams, oldest membership first. */
    readonly listForUser: (userId: UserId) => Effect.Effect<ReadonlyArray<Membership>, StoreUnavailable>
    readonly find: (
      teamId: TeamId,
      userId: UserId
    ) => Effect.Effect<Option.Option<Membership>, StoreUnavailable>
    /** The team's members, oldest first. */
    readonly listMembers: (teamId: TeamId) => Effect.Effect<ReadonlyArray<Membership>, StoreUnavailable>
    /**
     * Sets a member's role. Refuses (returns `false`, changes nothing) when it would leave the
     * team without an owner, checked in the same commit as the change so that two concurrent
     * demotions cannot both pass.
     */
    readonly setRole: (teamId: TeamId, userId: UserId, role: Role) => Effect.Effect<boolean, StoreUnavailable>
    /**
     * Makes a person a member of an open team with `role`. `false`, changing nothing, when they
     * are a member already (whatever their role) or the team is closed or absent.
     */
    readonly add: (teamId: TeamId, userId: UserId, role: Role) => Effect.Effect<boolean, StoreUnavailable>
    /** Removes a member, with the same last-owner guard as `setRole`; `false` when refused or absent. */
    readonly remove: (teamId: TeamId, userId: UserId) => Effect.Effect<boolean, StoreUnavailable>
  }
>() {}
