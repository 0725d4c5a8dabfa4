import type { ApiKey } from "./ApiKey.js"
import type { Role } from "./accounts/Role.js"
import type { SessionId } from "./accounts/Session.js"
import type { UserId } from "./accounts/User.js"
import type { TeamId } from "./Team.js"

/**
 * Who is acting. An API key acts inside its own team; an operator (the CLI) and a person signed in
 * to the dashboard (acting on the team their session selected, with their role there) are not held
 * to the guards that protect against a leaked key minting stronger ones.
 */
export type Principal =
  | { readonly _tag: "ApiKey"; readonly teamId: TeamId; readonly key: ApiKey }
  | { readonly _tag: "Operator"; readonly teamId: TeamId }
  | {
      readonly _tag: "Person"
      readonly teamId: TeamId
      readonly userId: UserId
      readonly role: Role
      readonly sessionId: SessionId
    }
