import { Schema } from "effect"

/** No template of that id in the team (another team's templates are absent too). */
export class TemplateNotFound extends Schema.TaggedError<TemplateNotFound>()("TemplateNotFound", {
  id: Schema.String
}) {
  override get message() {
    return `Template not found: ${this.id}`
  }
}

/** A send named a template that exists but is not published. */
export class TemplateNotPublished extends Schema.TaggedError<TemplateNotPublished>()("TemplateNotPublished", {
  id: Schema.String
}) {
  override get message() {
    return `Template not published: ${this.id}`
  }
}

/** A send named a template id that the team does not have: refused as input, not as a missing route. */
export class TemplateUnknown extends Schema.TaggedError<TemplateUnknown>()("TemplateUnknown", {
  id: Schema.String
}) {
  override get message() {
    return `Template not found: ${this.id}`
  }
}

/** A subject or body that is not a valid template. */
export class TemplateSyntaxInvalid extends Schema.TaggedError<TemplateSyntaxInvalid>()(
  "TemplateSyntaxInvalid",
  { part: Schema.String, reason: Schema.String }
) {
  override get message() {
    return `Template ${this.part} is invalid: ${this.reason}`
  }
}

/** A send from a template left variables it reads without a value. */
export class TemplateVariablesMissing extends Schema.TaggedError<TemplateVariablesMissing>()(
  "TemplateVariablesMissing",
  { names: Schema.Array(Schema.String) }
) {
  override get message() {
    return `Missing template variables: ${this.names.join(", ")}`
  }
}

/** Visual-builder blocks that cannot be compiled (unknown block type, missing text or link...). */
export class BuilderBlocksInvalid extends Schema.TaggedError<BuilderBlocksInvalid>()("BuilderBlocksInvalid", {
  reason: Schema.String
}) {
  override get message() {
    return `builder_blocks: ${this.reason}`
  }
}

/** No preset of that id. */
export class TemplatePresetNotFound extends Schema.TaggedError<TemplatePresetNotFound>()(
  "TemplatePresetNotFound",
  { id: Schema.String }
) {
  override get message() {
    return `Template preset not found: ${this.id}`
  }
}
