import { SqlClient } from "@effect/sql"
import { SignupFormRepository } from "@poststack/application"
import {
  newSignupFormPublicId,
  newSubmissionPublicId,
  SignupForm,
  type SignupFormField,
  type SignupFormId,
  type SignupFormPublicId,
  SignupSubmission,
  type SubmissionPublicId,
  type TeamId
} from "@poststack/domain"
import { Array as Arr, Effect, Layer, Option } from "effect"
import { unavailable } from "./SqlErrors.js"

interface FormRow {
  readonly id: number
  readonly public_id: string
  readonly team_id: number
  readonly name: string
  readonly segment_id: string | null
  readonly topic_id: string | null
  readonly fields: ReadonlyArray<SignupFormField>
  readonly success_message: string | null
  readonly redirect_url: string | null
  readonly active: boolean
  readonly submission_count: number
  readonly created_at: Date
  readonly updated_at: Date
}

interface SubmissionRow {
  readonly public_id: string
  readonly form_id: number
  readonly team_id: number
  readonly email: string
  readonly first_name: string | null
  readonly last_name: string | null
  readonly properties: Record<string, unknown>
  readonly created_at: Date
  readonly confirmed_at: Date | null
}

const toForm = (row: FormRow): SignupForm =>
  SignupForm.make({
    id: row.id as SignupFormId,
    publicId: row.public_id as SignupFormPublicId,
    teamId: row.team_id as TeamId,
    name: row.name,
    segmentId: row.segment_id,
    topicId: row.topic_id,
    fields: row.fields,
    successMessage: row.success_message,
    redirectUrl: row.redirect_url,
    active: row.active,
    submissionCount: row.submission_count,
    createdAt: row.created_at,
    updatedAt: row.updated_at
  })

const toSubmission = (row: SubmissionRow): SignupSubmission =>
  SignupSubmission.make({
    publicId: row.public_id as SubmissionPublicId,
    formId: row.form_id as SignupFormId,
    teamId: row.team_id as TeamId,
    email: row.email,
    firstName: row.first_name,
    lastName: row.last_name,
    properties: row.properties,
    createdAt: row.created_at,
    confirmedAt: row.confirmed_at
  })

export const make = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const columns = sql.literal(`id, public_id, team_id, name, segment_id, topic_id, fields, success_message,
    redirect_url, active, submission_count, created_at, updated_at`)
  const submissionColumns = sql.literal(
    "public_id, form_id, team_id, email, first_name, last_name, properties, created_at, confirmed_at"
  )
  const one = Effect.map((rows: ReadonlyArray<FormRow>) => Option.map(Arr.head(rows), toForm))

  return SignupFormRepository.of({
    create: (teamId, form) =>
      sql<FormRow>`
        INSERT INTO signup_forms (public_id, team_id, name, segment_id, topic_id, fields, success_message, redirect_url)
        VALUES (${newSignupFormPublicId()}, ${teamId}, ${form.name}, ${form.segmentId}, ${form.topicId},
          ${JSON.stringify(form.fields)}::jsonb, ${form.successMessage}, ${form.redirectUrl})
        RETURNING ${columns}`.pipe(
        Effect.map((rows) => toForm(rows[0] as FormRow)),
        unavailable
      ),
    list: (teamId, page, perPage) =>
      Effect.all({
        rows: sql<FormRow>`
          SELECT ${columns} FROM signup_forms WHERE team_id = ${teamId}
          ORDER BY created_at DESC, id DESC LIMIT ${perPage} OFFSET ${(page - 1) * perPage}`,
        total: sql<{ n: number }>`SELECT count(*)::int AS n FROM signup_forms WHERE team_id = ${teamId}`
      }).pipe(
        Effect.map(({ rows, total }) => ({ forms: rows.map(toForm), total: total[0]?.n ?? 0 })),
        unavailable
      ),
    get: (teamId, id) =>
      sql<FormRow>`SELECT ${columns} FROM signup_forms WHERE team_id = ${teamId} AND public_id = ${id}`.pipe(
        one,
        unavailable
      ),
    update: (teamId, id, changes) => {
      const set = [sql`updated_at = now()`]
      if (changes.name !== undefined) set.push(sql`name = ${changes.name}`)
      if (changes.segmentId !== undefined) set.push(sql`segment_id = ${changes.segmentId}`)
      if (changes.topicId !== undefined) set.push(sql`topic_id = ${changes.topicId}`)
      if (changes.fields !== undefined) set.push(sql`fields = ${JSON.stringify(changes.fields)}::jsonb`)
      if (changes.successMessage !== undefined) set.push(sql`success_message = ${changes.successMessage}`)
      if (changes.redirectUrl !== undefined) set.push(sql`redirect_url = ${changes.redirectUrl}`)
      if (changes.active !== undefined) set.push(sql`active = ${changes.active}`)
      return sql<FormRow>`
        UPDATE signup_forms SET ${sql.csv(set)} WHERE team_id = ${teamId} AND public_id = ${id}
        RETURNING ${columns}`.pipe(one, unavailable)
    },
    remove: (teamId, id) =>
      sql`DELETE FROM signup_forms WHERE team_id = ${teamId} AND public_id = ${id} RETURNING id`.pipe(
        Effect.map((rows) => rows.length > 0),
        unavailable
      ),
    findActive: (id) =>
      sql<FormRow>`SELECT ${columns} FROM signup_forms WHERE public_id = ${id} AND active`.pipe(
        one,
        unavailable
      ),
    // One statement: the count and the pending row are written together, and only while the form
    // is still there and active.
    submit: (form, submission) =>
      sql<SubmissionRow>`
        WITH counted AS (
          UPDATE signup_forms SET submission_count = submission_count + 1
          WHERE id = ${form.id} AND active RETURNING id, team_id
        )
        INSERT INTO signup_submissions (public_id, form_id, team_id, email, first_name, last_name, properties)
        SELECT ${newSubmissionPublicId()}, id, team_id, ${submission.email}, ${submission.firstName},
          ${submission.lastName}, ${JSON.stringify(submission.properties)}::jsonb
        FROM counted
        RETURNING ${submissionColumns}`.pipe(
        Effect.map((rows) => Option.map(Arr.head(rows), toSubmission)),
        unavailable
      ),
    findSubmission: (id) =>
      sql<SubmissionRow & { readonly form: FormRow }>`
        SELECT s.public_id, s.form_id, s.team_id, s.email, s.first_name, s.last_name, s.properties,
          s.created_at, s.confirmed_at, to_jsonb(f) AS form
        FROM signup_submissions s JOIN signup_forms f ON f.id = s.form_id
        WHERE s.public_id = ${id} AND f.active`.pipe(
        Effect.map((rows) =>
          Option.map(Arr.head(rows), (row) => ({
            submission: toSubmission(row),
            form: toForm({
              ...row.form,
              created_at: new Date(row.form.created_at),
              updated_at: new Date(row.form.updated_at)
            })
          }))
        ),
        unavailable
      ),
    markConfirmed: (id, at) =>
      sql`
        UPDATE signup_submissions SET confirmed_at = ${at}
        WHERE public_id = ${id} AND confirmed_at IS NULL RETURNING public_id`.pipe(
        Effect.map((rows) => rows.length > 0),
        unavailable
      ),
    purgeUnconfirmedBefore: (before, limit) =>
      sql<{ id: string }>`
        DELETE FROM signup_submissions WHERE id IN (
          SELECT id FROM signup_submissions
          WHERE confirmed_at IS NULL AND created_at < ${before}
          ORDER BY created_at LIMIT ${limit}
        ) RETURNING id`.pipe(
        Effect.map((rows) => rows.length),
        unavailable
      )
  })
})

export const layer = Layer.effect(SignupFormRepository, make)
