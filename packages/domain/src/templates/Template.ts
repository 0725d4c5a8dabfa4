import { Schema } from "effect"

/** A template's row id. */
export const TemplateId = Schema.Int.pipe(Schema.brand("TemplateId"))
export type TemplateId = typeof TemplateId.Type

/** A template's public id, `tpl_` and 24 lower-case hex digits: what every route takes. */
export const TemplatePublicId = Schema.String.pipe(
  Schema.pattern(/^tpl_[0-9a-f]{24}$/),
  Schema.brand("TemplatePublicId")
)
export type TemplatePublicId = typeof TemplatePublicId.Type

/** `html`: the bodies are written by hand; `visual`: the HTML body is compiled from `builderBlocks`. */
export const BuilderType = Schema.Literal("html", "visual")
export type BuilderType = typeof BuilderType.Type

/** What a template says: the parts a new version changes. */
export interface TemplateContent {
  readonly subject: string
  readonly htmlBody: string | null
  readonly textBody: string | null
  /** The variables its author declared (the ones it reads are found by parsing it). */
  readonly variables: ReadonlyArray<string>
  readonly builderType: BuilderType
  readonly builderBlocks: unknown
}

/**
 * A team's reusable message. `version` starts at 1 and grows by one each time a published
 * template's content is edited; a draft's edits stay in its current version.
 */
export class Template extends Schema.Class<Template>("Template")({
  id: TemplateId,
  publicId: TemplatePublicId,
  teamId: Schema.Int,
  name: Schema.String,
  subject: Schema.String,
  htmlBody: Schema.NullOr(Schema.String),
  textBody: Schema.NullOr(Schema.String),
  variables: Schema.Array(Schema.String),
  builderType: BuilderType,
  builderBlocks: Schema.Unknown,
  published: Schema.Boolean,
  publishedAt: Schema.NullOr(Schema.Date),
  version: Schema.Int,
  createdAt: Schema.Date,
  updatedAt: Schema.Date
}) {}

/** A new template's public id. */
export const newTemplatePublicId = (): TemplatePublicId =>
  `tpl_${crypto.randomUUID().replaceAll("-", "").slice(0, 24)}` as TemplatePublicId

/** The name a duplicate gets. */
export const copyName = (name: string): string => `${name} (copy)`

/**
 * Whether an edit starts a new version: only a published template's content changing does, so
 * what was published (and what sends rendered from it) stays on record under its number.
 */
export const startsNewVersion = (
  template: Pick<Template, "published"> & TemplateContent,
  next: TemplateContent
): boolean =>
  template.published &&
  (template.subject !== next.subject ||
    template.htmlBody !== next.htmlBody ||
    template.textBody !== next.textBody ||
    template.builderType !== next.builderType ||
    JSON.stringify(template.variables) !== JSON.stringify(next.variables) ||
    JSON.stringify(template.builderBlocks ?? null) !== JSON.stringify(next.builderBlocks ?? null))
