import { SqlClient } from "@effect/sql"
import { type NewTemplate, TemplateRepository, type TemplateVersion } from "@poststack/application"
import {
  type BuilderType,
  newTemplatePublicId,
  startsNewVersion,
  Template,
  type TemplateId,
  type TemplatePublicId
} from "@poststack/domain"
import { Array as Arr, Effect, Layer, Option } from "effect"
import { unavailable } from "./SqlErrors.js"

const COLUMNS = `id, public_id, team_id, name, subject, html_body, text_body, variables, builder_type,
  builder_blocks, published, published_at, version, created_at, updated_at`

interface TemplateRow {
  readonly id: number
  readonly public_id: string
  readonly team_id: number
  readonly name: string
  readonly subject: string
  readonly html_body: string | null
  readonly text_body: string | null
  readonly variables: ReadonlyArray<string>
  readonly builder_type: BuilderType
  readonly builder_blocks: unknown
  readonly published: boolean
  readonly published_at: Date | null
  readonly version: number
  readonly created_at: Date
  readonly updated_at: Date
}

const toTemplate = (row: TemplateRow): Template =>
  Template.make(
    {
      id: row.id as TemplateId,
      publicId: row.public_id as TemplatePublicId,
      teamId: row.team_id,
      name: row.name,
      subject: row.subject,
      htmlBody: row.html_body,
      textBody: row.text_body,
      variables: row.variables,
      builderType: row.builder_type,
      builderBlocks: row.builder_blocks,
      published: row.published,
      publishedAt: row.published_at,
      version: row.version,
      createdAt: row.created_at,
      updatedAt: row.updated_at
    },
    { disableValidation: true }
  )

/** `%`, `_` and `\` match themselves in a search. */
const likePattern = (text: string) => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`

const json = (value: unknown) => (value === null || value === undefined ? null : JSON.stringify(value))

export const make = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const columns = sql.literal(COLUMNS)
  const one = (rows: ReadonlyArray<TemplateRow>) => Option.map(Arr.head(rows), toTemplate)

  const insert = (teamId: number, t: NewTemplate) =>
    sql<TemplateRow>`
      INSERT INTO templates (public_id, team_id, name, subject, html_body, text_body, variables, builder_type, builder_blocks)
      VALUES (${newTemplatePublicId()}, ${teamId}, ${t.name}, ${t.subject}, ${t.htmlBody}, ${t.textBody},
        ${JSON.stringify(t.variables)}::jsonb, ${t.builderType}, ${json(t.builderBlocks)}::jsonb)
      RETURNING ${columns}`

  return TemplateRepository.of({
    create: (teamId, template) =>
      insert(teamId, template).pipe(
        Effect.map((rows) => toTemplate(rows[0] as TemplateRow)),
        unavailable
      ),
    list: (teamId, filter, page, perPage) =>
      Effect.gen(function* () {
        const where = [sql`team_id = ${teamId}`]
        if (filter.search !== undefined && filter.search !== "")
          where.push(sql`name ILIKE ${likePattern(filter.search)}`)
        if (filter.published !== undefined) where.push(sql`published = ${filter.published}`)
        const condition = sql.and(where)
        const rows = yield* sql<TemplateRow>`
          SELECT ${columns} FROM templates WHERE ${condition}
          ORDER BY created_at DESC, id DESC LIMIT ${perPage} OFFSET ${(page - 1) * perPage}`
        const counted = yield* sql<{ n: number }>`SELECT count(*)::int AS n FROM templates WHERE ${condition}`
        return { templates: rows.map(toTemplate), total: counted[0]?.n ?? 0 }
      }).pipe(unavailable),
    get: (teamId, id) =>
      sql<TemplateRow>`SELECT ${columns} FROM templates WHERE team_id = ${teamId} AND public_id = ${id}`.pipe(
        Effect.map(one),
        unavailable
      ),
    update: (teamId, id, next) =>
      sql
        .withTransaction(
          Effect.gen(function* () {
            const locked = one(
              yield* sql<TemplateRow>`
                SELECT ${columns} FROM templates WHERE team_id = ${teamId} AND public_id = ${id} FOR UPDATE`
            )
            if (Option.isNone(locked)) return Option.none()
            const current = locked.value
            const t = next(current)
            const bump = startsNewVersion(current, t)
            if (bump)
              yield* sql`
                INSERT INTO template_versions (template_id, version, subject, html_body, text_body, variables, builder_type, builder_blocks, created_at)
                VALUES (${current.id}, ${current.version}, ${current.subject}, ${current.htmlBody}, ${current.textBody},
                  ${JSON.stringify(current.variables)}::jsonb, ${current.builderType}, ${json(current.builderBlocks)}::jsonb,
                  ${current.updatedAt})`
            return one(
              yield* sql<TemplateRow>`
                UPDATE templates SET name = ${t.name}, subject = ${t.subject}, html_body = ${t.htmlBody},
                  text_body = ${t.textBody}, variables = ${JSON.stringify(t.variables)}::jsonb,
                  builder_type = ${t.builderType}, builder_blocks = ${json(t.builderBlocks)}::jsonb,
                  version = version + ${bump ? 1 : 0}, updated_at = now()
                WHERE id = ${current.id} RETURNING ${columns}`
            )
          })
        )
        .pipe(unavailable),
    setPublished: (teamId, id, published) =>
      sql<TemplateRow>`
        UPDATE templates SET published = ${published},
          published_at = CASE WHEN ${published} THEN coalesce(published_at, now()) ELSE NULL END,
          updated_at = now()
        WHERE team_id = ${teamId} AND public_id = ${id} RETURNING ${columns}`.pipe(
        Effect.map(one),
        unavailable
      ),
    remove: (teamId, id) =>
      sql<TemplateRow>`DELETE FROM templates WHERE team_id = ${teamId} AND public_id = ${id} RETURNING ${columns}`.pipe(
        Effect.map(one),
        unavailable
      ),
    versions: (teamId, id) =>
      sql<{
        version: number
        subject: string
        html_body: string | null
        text_body: string | null
        variables: ReadonlyArray<string>
        created_at: Date
      }>`
        SELECT v.version, v.subject, v.html_body, v.text_body, v.variables, v.created_at
        FROM template_versions v JOIN templates t ON t.id = v.template_id
        WHERE t.team_id = ${teamId} AND t.public_id = ${id} ORDER BY v.version`.pipe(
        Effect.map((rows) =>
          rows.map(
            (r): TemplateVersion => ({
              version: r.version,
              subject: r.subject,
              htmlBody: r.html_body,
              textBody: r.text_body,
              variables: r.variables,
              createdAt: r.created_at
            })
          )
        ),
        unavailable
      )
  })
})

export const layer = Layer.effect(TemplateRepository, make)
