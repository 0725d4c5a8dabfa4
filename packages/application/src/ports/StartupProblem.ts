import { Schema } from "effect"

/**
 * A process cannot start, for a reason its operator can fix: `message` is one line that names the
 * cause and the fix ("port 3000 is already in use: stop the other process or set PORT"). Adapters
 * turn their library's failures into it; the apps print it as is, without a stack trace.
 */
export class StartupProblem extends Schema.TaggedError<StartupProblem>()("StartupProblem", {
  message: Schema.String
}) {}
