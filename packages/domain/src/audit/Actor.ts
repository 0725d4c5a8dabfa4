import { Schema } from "effect"

/** An API key acting (its numeric id, as a string so every kind of actor has one shape). */
export const ApiKeyActor = Schema.Struct({ kind: Schema.Literal("api_key"), id: Schema.String })

/** A person signed in to the dashboard (their user id). */
export const UserActor = Schema.Struct({ kind: Schema.Literal("user"), id: Schema.String })

/** The operator at the command line (`poststack keys create`, …): no id, it is whoever holds the host. */
export const OperatorActor = Schema.Struct({ kind: Schema.Literal("operator"), id: Schema.Null })

/** Who did something: what the audit log and the request log record as the actor. */
export const Actor = Schema.Union(ApiKeyActor, UserActor, OperatorActor)
export type Actor = typeof Actor.Type

export const ActorKind = Schema.Literal("api_key", "user", "operator")
export type ActorKind = typeof ActorKind.Type

export const apiKeyActor = (id: number): Actor => ({ kind: "api_key", id: String(id) })
export const userActor = (id: string | number): Actor => ({ kind: "user", id: String(id) })
export const OPERATOR: Actor = { kind: "operator", id: null }
