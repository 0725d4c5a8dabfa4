import { Schema } from "effect"

export class WorkflowNotFound extends Schema.TaggedError<WorkflowNotFound>()("WorkflowNotFound", {
  id: Schema.String
}) {
  override get message() {
    return `Workflow not found: ${this.id}`
  }
}

/** A graph that cannot be stored or activated; each error names its node. */
export class WorkflowGraphInvalid extends Schema.TaggedError<WorkflowGraphInvalid>()("WorkflowGraphInvalid", {
  errors: Schema.Array(Schema.String)
}) {
  override get message() {
    return `Workflow graph is invalid: ${this.errors.join("; ")}`
  }
}

/** A manual trigger on a workflow that is not active, or not triggered manually. */
export class WorkflowNotTriggerable extends Schema.TaggedError<WorkflowNotTriggerable>()(
  "WorkflowNotTriggerable",
  { reason: Schema.String }
) {
  override get message() {
    return this.reason
  }
}

/** The older SDK's step routes: the step table they wrote to no longer exists. */
export class WorkflowStepsRemoved extends Schema.TaggedError<WorkflowStepsRemoved>()(
  "WorkflowStepsRemoved",
  {}
) {
  override get message() {
    return "Workflow steps were replaced by the graph: use GET/PUT /workflows/:id/graph"
  }
}
