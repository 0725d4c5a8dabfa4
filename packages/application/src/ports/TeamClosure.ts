import type { TeamId } from "@poststack/domain"
import { Context, type Effect } from "effect"
import type { StoreUnavailable } from "./StoreUnavailable.js"

/** What closing a team stopped at once. */
export interface ClosedTeam {
  readonly closedAt: Date
  readonly keysRevoked: number
  readonly emailsCancelled: number
}

/**
 * Closing a team (P25): in one commit, the team is marked closed, its API keys are deleted (sending
 * stops), mail waiting to go is cancelled, and nobody reaches it any more (memberships, invitations
 * and sessions' choice of it go). Its data stays until the retention pass deletes it.
 */
export class TeamClosure extends Context.Tag("@poststack/application/TeamClosure")<
  TeamClosure,
  {
    /** Closing a team closed already changes nothing and answers when it was closed. */
    readonly close: (teamId: TeamId, at: Date) => Effect.Effect<ClosedTeam, StoreUnavailable>
  }
>() {}
