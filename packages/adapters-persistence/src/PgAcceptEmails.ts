import type { SqlClient } from "@effect/sql"
import type { AcceptResult, NewEmail } from "@poststack/application"
import { randomUUID } from "node:crypto"
import {
  aggregateStatus,
  type EmailEventDetail,
  findTextProblem,
  SuppressionReason,
  TeamId
} from "@poststack/domain"
import { Clock, Effect, Schema } from "effect"
import { encodedEmailEvent } from "./EmailEvents.js"
import { decodeRows } from "./PgRows.js"

/**
 * Accepting emails: one call of `accept_emails` (migrations 0012, 0026, 0059) for a batch, shared by
 * the email store and by stores whose rows must commit with their emails (a workflow's send step).
 */
export interface AcceptRow {
  readonly n: number
  readonly accepted_id: string
  readonly accepted_hash: string | null
  readonly created: boolean
}

/** A suppression entry of a batch's recipients, as the accept reads it before writing. */
const SuppressionRow = Schema.Struct({
  teamId: TeamId,
  email: Schema.String,
  id: Schema.Int,
  reason: SuppressionReason
})

/** The team's suppression entries among a batch's recipients, by `<team>:<lower-case address>`. */
type Suppressed = ReadonlyMap<string, { readonly id: number; readonly reason: SuppressionReason }>

const suppressionKey = (teamId: number, address: string) => `${teamId}:${address.toLowerCase()}`

/**
 * One email as an item of `accept_emails` (see migrations 0012 and 0026): its rows and its first
 * events, encoded here, each recipient on the suppression list getting a suppressed delivery and a
 * `suppressed` event naming the entry.
 */
const acceptArguments = (email: NewEmail, suppressed: Suppressed, at: Date) => {
  const byKind = (kind: "to" | "cc" | "bcc") =>
    email.recipients.filter((r) => r.kind === kind).map((r) => r.address)
  const base64 = (bytes: Uint8Array) =>
    Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64")
  const entries = email.recipients.map((r) =>
    email.system ? undefined : suppressed.get(suppressionKey(email.teamId, r.address))
  )
  const firstStatus = email.scheduledAt === null ? "queued" : "scheduled"
  const publicId = `em_${randomUUID().replaceAll("-", "")}`
  const summarized = {
    id: 0,
    teamId: email.teamId,
    publicId,
    fromAddress: email.fromAddress,
    fromName: email.fromName,
    to: byKind("to"),
    subject: email.subject,
    tags: email.tags,
    testMode: email.testMode
  }
  const details: ReadonlyArray<EmailEventDetail> = [
    email.scheduledAt === null
      ? { type: "queued", metadata: {} }
      : { type: "scheduled", metadata: { scheduled_at: email.scheduledAt.toISOString() } },
    ...email.recipients.flatMap((r, k): ReadonlyArray<EmailEventDetail> => {
      const entry = entries[k]
      return entry === undefined
        ? []
        : [
            {
              type: "suppressed",
              metadata: { recipient: r.address, reason: entry.reason, suppression_id: entry.id }
            }
          ]
    })
  ]
  return {
    public_id: publicId,
    created_at: at,
    team_id: email.teamId,
    api_key_id: email.apiKeyId,
    domain_id: email.domainId,
    domain_name: email.domainName,
    from_address: email.fromAddress,
    from_name: email.fromName,
    to: byKind("to"),
    cc: byKind("cc"),
    bcc: byKind("bcc"),
    recipients: email.recipients.map((r) => r.address),
    kinds: email.recipients.map((r) => r.kind),
    statuses: entries.map((entry) => (entry === undefined ? firstStatus : "suppressed")),
    suppression_reasons: entries.map((entry) => entry?.reason ?? null),
    reply_to: email.replyTo,
    subject: email.subject,
    html: email.html,
    text: email.text,
    headers: email.headers,
    tags: email.tags,
    message_id: email.messageId,
    test_mode: email.testMode,
    unsubscribe: email.unsubscribe,
    track_opens: email.trackOpens,
    track_clicks: email.trackClicks,
    idempotency_key: email.idempotencyKey,
    request_hash: email.requestHash,
    system: email.system,
    scheduled_at: email.scheduledAt,
    raw_mime: email.rawMime === null ? null : base64(email.rawMime),
    attachment_names: email.attachments.map((a) => a.filename),
    attachment_types: email.attachments.map((a) => a.contentType),
    attachment_ids: email.attachments.map((a) => a.contentId),
    attachment_contents: email.attachments.map((a) => base64(a.content)),
    events: details.map((detail) => ({
      ...encodedEmailEvent(summarized, detail, at),
      recipient: detail.type === "suppressed" ? detail.metadata.recipient : null
    })),
    first_attempt_at: email.scheduledAt ?? at,
    // The email's status: that of its deliveries, all suppressed or not.
    status: entries.every((entry) => entry !== undefined)
      ? aggregateStatus(["suppressed"])
      : email.scheduledAt === null
        ? aggregateStatus(["queued"])
        : "scheduled"
  }
}

export const UNSTORABLE = "unstorable"

/**
 * One email as JSON for `accept_emails`, or `UNSTORABLE`. JSON can carry what PostgreSQL's `jsonb`
 * refuses: `\u0000` and a lone surrogate (`JSON.stringify` writes both as escapes, and nothing
 * else as `\u0000` or `\ud800`-`\udfff`), so only an item whose text has such an escape is walked.
 */
const acceptItem = (email: NewEmail, suppressed: Suppressed, at: Date): string => {
  const item = acceptArguments(email, suppressed, at)
  const json = JSON.stringify(item)
  return /\\u(?:0000|d[89a-f])/.test(json) && findTextProblem(item) !== undefined ? UNSTORABLE : json
}

/**
 * Writes a batch of emails in one call of `accept_emails`, on the connection (and in the
 * transaction) the caller is in: one result per email, in order; `undefined` for an email whose
 * idempotency key conflicted without a row, `UNSTORABLE` for text PostgreSQL refuses.
 */
export const acceptEmails = (sql: SqlClient.SqlClient) => {
  const suppressionRows = decodeRows("suppressions", SuppressionRow)
  // One call, so one atomic and durable commit and one round trip for every email in it: each
  // email, its deliveries, attachments, first events and their outbox twins, or nothing at all.
  // Each email's row is looked up after the call: a missing one fails that caller alone, since
  // failing the call would write its committed emails again one by one.
  // An email whose text PostgreSQL would refuse (the use cases refuse it first) fails alone
  // instead of failing the call, which would write every other email of it one by one.
  // The call first assumes no recipient is suppressed and checks that in the same statement
  // (migration 0059): when one is, it writes nothing, and the suppression list is read so the
  // events are built here, then the call is made again. A recipient listed between that read and
  // the write is caught when its delivery is claimed (see `suppressedAtDelivery`).
  const nothingSuppressed: Suppressed = new Map()
  const readSuppressed = (batch: ReadonlyArray<NewEmail>) => {
    // A system mail is stopped by no suppression list: its team's list is not the person's.
    const recipients = batch.flatMap((email) =>
      email.system ? [] : email.recipients.map((r) => [email.teamId, r.address] as const)
    )
    return sql`
      SELECT s.team_id AS "teamId", s.email, s.id, s.reason
      FROM unnest(${recipients.map(([team]) => team)}::int[], ${recipients.map(([, address]) => address)}::text[])
        AS r(team_id, address)
      JOIN suppressions s ON s.team_id = r.team_id AND lower(s.email) = lower(r.address)`.pipe(
      Effect.flatMap(suppressionRows),
      Effect.map(
        (listed): Suppressed =>
          new Map(listed.map((s) => [suppressionKey(s.teamId, s.email), { id: s.id, reason: s.reason }]))
      )
    )
  }
  // Generator functions written once, not per batch (ARCHITECTURE.md, hot paths).
  const call = Effect.fnUntraced(function* (
    batch: ReadonlyArray<NewEmail>,
    holds: ReadonlyArray<string>,
    suppressed: Suppressed,
    check: boolean
  ) {
    const at = new Date(yield* Clock.currentTimeMillis)
    const items = batch.map((email) => acceptItem(email, suppressed, at))
    const storable = items.filter((item) => item !== UNSTORABLE)
    if (storable.length === 0) return items.map((): typeof UNSTORABLE => UNSTORABLE)
    const json = `[${storable.join(",")}]`
    const rows = yield* check
      ? sql<AcceptRow>`
          SELECT n, accepted_id, accepted_hash, created FROM accept_emails(${json}::jsonb, true)`
      : holds.length === 0
        ? sql<AcceptRow>`
            SELECT n, accepted_id, accepted_hash, created FROM accept_emails(${json}::jsonb)`
        : sql<AcceptRow>`
            WITH released AS (DELETE FROM quota_holds WHERE id = ANY(${holds}::bigint[]))
            SELECT n, accepted_id, accepted_hash, created FROM accept_emails(${json}::jsonb)`
    if (rows.some((row) => row.n === -1)) return undefined
    const byItem = new Map(rows.map((row) => [row.n, row]))
    let n = 0
    return items.map((item): AcceptRow | undefined | typeof UNSTORABLE =>
      item === UNSTORABLE ? UNSTORABLE : byItem.get(n++)
    )
  })
  return Effect.fnUntraced(function* (batch: ReadonlyArray<NewEmail>) {
    // Places held under plan limits are released in the statement (so the commit) that writes
    // their emails: another process counting the team's usage sees the hold or the email,
    // never both nor neither. Batches without one (unlimited plans) pay nothing for this.
    const holds = batch.flatMap((email) => (email.quotaHold == null ? [] : [email.quotaHold]))
    // The optimistic call may write nothing, so a batch releasing holds reads the list first:
    // its holds must go in the statement that writes its emails.
    if (holds.length === 0) {
      const optimistic = yield* call(batch, holds, nothingSuppressed, true)
      if (optimistic !== undefined) return optimistic
    }
    const again = yield* call(batch, holds, yield* readSuppressed(batch), false)
    return again ?? batch.map(() => undefined)
  })
}

/** An accepted row as the email store answers it. */
export const acceptResult = (row: AcceptRow | undefined | typeof UNSTORABLE) =>
  row === UNSTORABLE
    ? Effect.dieMessage("email with text PostgreSQL cannot store (NUL or a lone surrogate)")
    : row === undefined
      ? Effect.dieMessage("idempotency conflict without a row")
      : Effect.succeed<AcceptResult>(
          row.created
            ? { _tag: "Created", publicId: row.accepted_id }
            : { _tag: "Existing", publicId: row.accepted_id, requestHash: row.accepted_hash }
        )
