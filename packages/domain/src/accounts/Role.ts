import { Schema } from "effect"

/** A person's role in a team. */
export const Role = Schema.Literal("owner", "admin", "member")
export type Role = typeof Role.Type

/** What a role may do in its team, beyond reading and using its resources. */
export type TeamAction =
  | "manage_members"
  | "manage_api_keys"
  | "manage_billing"
  | "read_audit_log"
  | "manage_data_subjects"

/** Owners and admins manage members, keys, billing and read the audit log; members do none of these. */
export const roleAllows = (role: Role, _action: TeamAction): boolean => role === "owner" || role === "admin"

/** The roles a person of `actor`'s role may hand out (in an invitation or a role change). */
export const grantableRoles = (actor: Role): ReadonlyArray<Role> =>
  actor === "owner" ? ["owner", "admin", "member"] : actor === "admin" ? ["admin", "member"] : []

/** Why an invitation is refused, or `undefined` when it may be sent. */
export const invitationProblem = (actor: Role, invited: Role): string | undefined =>
  !roleAllows(actor, "manage_members")
    ? "Only owners and admins can invite members"
    : !grantableRoles(actor).includes(invited)
      ? "Only an owner can invite an owner"
      : undefined

/**
 * Why a role change is refused, or `undefined` when it may be made. An admin never touches an
 * owner, and the last owner cannot step down: a team always keeps an owner.
 */
export const roleChangeProblem = (input: {
  readonly actor: Role
  readonly target: Role
  readonly next: Role
  readonly owners: number
}): string | undefined =>
  !roleAllows(input.actor, "manage_members")
    ? "Only owners and admins can change roles"
    : input.target === "owner" && input.actor !== "owner"
      ? "Only an owner can change an owner's role"
      : !grantableRoles(input.actor).includes(input.next)
        ? "Only an owner can make someone an owner"
        : input.target === "owner" && input.next !== "owner" && input.owners <= 1
          ? "A team must keep an owner: make someone else an owner first"
          : undefined

/**
 * Why removing a member is refused, or `undefined` when it may be done. Anyone may leave (remove
 * themselves), except the last owner; removing others needs owner or admin, and only an owner
 * removes an owner.
 */
export const removalProblem = (input: {
  readonly actor: Role
  readonly target: Role
  readonly self: boolean
  readonly owners: number
}): string | undefined =>
  !input.self && !roleAllows(input.actor, "manage_members")
    ? "Only owners and admins can remove members"
    : !input.self && input.target === "owner" && input.actor !== "owner"
      ? "Only an owner can remove an owner"
      : input.target === "owner" && input.owners <= 1
        ? "A team must keep an owner: make someone else an owner first"
        : undefined
