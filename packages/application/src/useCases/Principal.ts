import type { ApiKey, TeamId } from "@poststack/domain"

/**
 * Who is acting. An API key acts inside its own team; an operator (the CLI, later a dashboard
 * session) is not held to the guards that protect against a leaked key minting stronger ones.
 */
export type Principal =
  | { readonly _tag: "ApiKey"; readonly teamId: TeamId; readonly key: ApiKey }
  | { readonly _tag: "Operator"; readonly teamId: TeamId }

export const viaApiKey = (key: ApiKey): Principal => ({ _tag: "ApiKey", teamId: key.teamId, key })
export const asOperator = (teamId: TeamId): Principal => ({ _tag: "Operator", teamId })
