import { Schema } from "effect"
import { TeamId } from "../Team.js"
import { Role } from "./Role.js"
import { UserId } from "./User.js"

/** A person's place in a team. */
export class Membership extends Schema.Class<Membership>("Membership")({
  teamId: TeamId,
  teamName: Schema.String,
  userId: UserId,
  email: Schema.String,
  name: Schema.String,
  role: Role,
  createdAt: Schema.DateFromSelf
}) {}

/** How many owners a member list holds: the guard for "a team always keeps an owner". */
export const ownerCount = (members: ReadonlyArray<Pick<Membership, "role">>): number =>
  members.filter((m) => m.role === "owner").length
