import { Schema } from "effect"

/** Every row in PostStack belongs to exactly one team; this id is the tenancy boundary. */
export const TeamId = Schema.Int.pipe(Schema.positive(), Schema.brand("TeamId"))
export type TeamId = typeof TeamId.Type

export class Team extends Schema.Class<Team>("Team")({
  id: TeamId,
  name: Schema.String,
  createdAt: Schema.DateFromSelf
}) {}
