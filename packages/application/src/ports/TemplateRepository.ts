import type { BuilderType, TeamId, Template, TemplatePublicId } from "@poststack/domain"
import { Context, type Effect, type Option } from "effect"
import type { StoreUnavailable } from "./StoreUnavailable.js"

/** What a new template (created, duplicated or made from a preset) holds; it starts unpublished. */
export interface NewTemplate {
  readonly name: string
  readonly subject: string
  readonly htmlBody: string | null
  readonly textBody: string | null
  readonly variables: ReadonlyArray<string>
  readonly builderType: BuilderType
  readonly builderBlocks: unknown
}

/** Which templates a list returns. */
export interface TemplateFilter {
  /** Part of the name, case-insensitively. */
  readonly search?: string
  readonly published?: boolean
}

/** One kept version of a template: what it said while that version was current. */
export interface TemplateVersion {
  readonly version: number
  readonly subject: string
  readonly htmlBody: string | null
  readonly textBody: string | null
  readonly variables: ReadonlyArray<string>
  readonly createdAt: Date
}

/**
 * A team's templates and their versions. An edit that changes a published template's content
 * keeps the content being replaced as a version and bumps `version`, in one transaction under the
 * row's lock, so two racing edits never share a number.
 */
export class TemplateRepository extends Context.Tag("@poststack/application/TemplateRepository")<
  TemplateRepository,
  {
    readonly create: (teamId: TeamId, template: NewTemplate) => Effect.Effect<Template, StoreUnavailable>
    /** Newest first, with the total matching the filter. */
    readonly list: (
      teamId: TeamId,
      filter: TemplateFilter,
      page: number,
      perPage: number
    ) => Effect.Effect<
      { readonly templates: ReadonlyArray<Template>; readonly total: number },
      StoreUnavailable
    >
    readonly get: (
      teamId: TeamId,
      id: TemplatePublicId
    ) => Effect.Effect<Option.Option<Template>, StoreUnavailable>
    /**
     * Replaces the name and content with `next(current)`, read under lock; a published template
     * whose content changes gets `version + 1` and its replaced content kept as a version.
     * `None` when the template is gone.
     */
    readonly update: (
      teamId: TeamId,
      id: TemplatePublicId,
      next: (current: Template) => NewTemplate
    ) => Effect.Effect<Option.Option<Template>, StoreUnavailable>
    /** Publishes or unpublishes; `publishedAt` is set on publishing. `None` when gone. */
    readonly setPublished: (
      teamId: TeamId,
      id: TemplatePublicId,
      published: boolean
    ) => Effect.Effect<Option.Option<Template>, StoreUnavailable>
    /** Removes the template and its versions; `None` when there was none. Sent mail keeps its copy. */
    readonly remove: (
      teamId: TeamId,
      id: TemplatePublicId
    ) => Effect.Effect<Option.Option<Template>, StoreUnavailable>
    /** The versions kept before the current one, oldest first. */
    readonly versions: (
      teamId: TeamId,
      id: TemplatePublicId
    ) => Effect.Effect<ReadonlyArray<TemplateVersion>, StoreUnavailable>
  }
>() {}
