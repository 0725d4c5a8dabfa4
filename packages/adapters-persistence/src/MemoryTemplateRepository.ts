import { TemplateRepository, type TemplateVersion } from "@poststack/application"
import { newTemplatePublicId, startsNewVersion, Template, type TemplateId } from "@poststack/domain"
import { Effect, Layer, Option } from "effect"

const newestFirst = (a: Template, b: Template) => b.createdAt.getTime() - a.createdAt.getTime() || b.id - a.id

/** Templates in process memory, for tests and tools; same rules as the PostgreSQL one. */
export const make = () => {
  let nextId = 1
  let templates: Array<Template> = []
  const versions = new Map<number, Array<TemplateVersion>>()
  const find = (teamId: number, id: string) => templates.find((t) => t.teamId === teamId && t.publicId === id)
  const replace = (old: Template, fields: Partial<Template>) => {
    const updated = Template.make({ ...old, ...fields })
    templates = templates.map((t) => (t.id === old.id ? updated : t))
    return updated
  }
  return TemplateRepository.of({
    create: (teamId, fields) =>
      Effect.sync(() => {
        const now = new Date()
        const template = Template.make({
          id: nextId++ as TemplateId,
          publicId: newTemplatePublicId(),
          teamId,
          ...fields,
          variables: [...fields.variables],
          builderBlocks: fields.builderBlocks ?? null,
          published: false,
          publishedAt: null,
          version: 1,
          createdAt: now,
          updatedAt: now
        })
        templates.push(template)
        return template
      }),
    list: (teamId, filter, page, perPage) =>
      Effect.sync(() => {
        const search = filter.search?.toLowerCase() ?? ""
        const matching = templates
          .filter(
            (t) =>
              t.teamId === teamId &&
              t.name.toLowerCase().includes(search) &&
              (filter.published === undefined || t.published === filter.published)
          )
          .sort(newestFirst)
        return { templates: matching.slice((page - 1) * perPage, page * perPage), total: matching.length }
      }),
    get: (teamId, id) => Effect.sync(() => Option.fromNullable(find(teamId, id))),
    update: (teamId, id, next) =>
      Effect.sync(() => {
        const current = find(teamId, id)
        if (current === undefined) return Option.none()
        const t = next(current)
        const bump = startsNewVersion(current, t)
        if (bump) {
          const kept = versions.get(current.id) ?? []
          kept.push({
            version: current.version,
            subject: current.subject,
            htmlBody: current.htmlBody,
            textBody: current.textBody,
            variables: current.variables,
            createdAt: current.updatedAt
          })
          versions.set(current.id, kept)
        }
        return Option.some(
          replace(current, {
            ...t,
            variables: [...t.variables],
            builderBlocks: t.builderBlocks ?? null,
            version: current.version + (bump ? 1 : 0),
            updatedAt: new Date()
          })
        )
      }),
    setPublished: (teamId, id, published) =>
      Effect.sync(() => {
        const current = find(teamId, id)
        if (current === undefined) return Option.none()
        return Option.some(
          replace(current, {
            published,
            publishedAt: published ? (current.publishedAt ?? new Date()) : null,
            updatedAt: new Date()
          })
        )
      }),
    remove: (teamId, id) =>
      Effect.sync(() => {
        const current = find(teamId, id)
        if (current === undefined) return Option.none()
        templates = templates.filter((t) => t.id !== current.id)
        versions.delete(current.id)
        return Option.some(current)
      }),
    versions: (teamId, id) =>
      Effect.sync(() => {
        const current = find(teamId, id)
        return current === undefined ? [] : [...(versions.get(current.id) ?? [])]
      })
  })
}

export const layer = Layer.sync(TemplateRepository, make)
