import { randomBytes } from "node:crypto"
import { mkdir, writeFile } from "node:fs/promises"
import * as path from "node:path"
import pg from "pg"

const hex = (n: number) => randomBytes(n).toString("hex")

/**
 * Rows of every kind retention and erasure reach, written straight to a database at chosen
 * times, the way the product writes them (an email with its deliveries, events, engagement and
 * attachment; an inbound message with its files on disk; an outbox event and its webhook delivery).
 */
export const pgSeed = (url: string, blobRoot?: string) => {
  const pool = new pg.Pool({ connectionString: url, max: 2 })
  const q = async <Row = Record<string, unknown>>(text: string, values: ReadonlyArray<unknown> = []) =>
    (await pool.query(text, [...values])).rows as Row[]
  const one = async (text: string, values: ReadonlyArray<unknown> = []) => {
    const [row] = await q<{ id: string | number }>(text, values)
    return Number(row?.id)
  }
  const domains = new Map<number, number>()
  const domainOf = async (teamId: number) => {
    const known = domains.get(teamId)
    if (known !== undefined) return known
    const id = await one(
      "INSERT INTO domains (team_id, public_id, name, status) VALUES ($1, $2, $3, 'verified') RETURNING id",
      [teamId, `dom_${hex(12)}`, `t${teamId}-${hex(3)}.test`]
    )
    domains.set(teamId, id)
    return id
  }
  const webhooks = new Map<number, number>()
  const webhookOf = async (teamId: number) => {
    const known = webhooks.get(teamId)
    if (known !== undefined) return known
    const id = await one(
      `INSERT INTO webhooks (team_id, url, events, secret_sealed, secret_prefix)
       VALUES ($1, 'https://hooks.example.com/x', '{*}', '\\x00', 'whsec_x') RETURNING id`,
      [teamId]
    )
    webhooks.set(teamId, id)
    return id
  }
  return {
    q,
    close: () => pool.end(),
    team: (name = "team") => one("INSERT INTO teams (name) VALUES ($1) RETURNING id", [name]),
    /** An email to `to` with one delivery, its events (an open among them), an attachment and raw MIME. */
    email: async (teamId: number, at: Date, to: string, deliveryStatus = "delivered") => {
      const domainId = await domainOf(teamId)
      const emailId = await one(
        `INSERT INTO emails (public_id, team_id, domain_id, from_address, to_addresses, subject, html_body, text_body,
           message_id, status, test_mode, created_at, raw_mime)
         VALUES ($1, $2, $3, 'news@sender.test', $4, 'Hello ' || $5, '<p>Hi ' || $5 || '</p>', 'Hi ' || $5, $6,
           $7, false, $8, convert_to('To: ' || $5, 'UTF8'))
         RETURNING id`,
        [`${hex(16)}`, teamId, domainId, [to], to, `<${hex(8)}@sender.test>`, deliveryStatus, at]
      )
      const deliveryId = await one(
        `INSERT INTO deliveries (email_id, team_id, recipient, kind, status, created_at)
         VALUES ($1, $2, $3, 'to', $4, $5) RETURNING id`,
        [emailId, teamId, to, deliveryStatus, at]
      )
      for (const type of ["queued", "delivered", "opened"])
        await q(
          `INSERT INTO email_events (email_id, delivery_id, event_type, metadata, created_at)
           VALUES ($1, $2, $3, $4, $5)`,
          [emailId, deliveryId, type, JSON.stringify({ recipient: to, ip: "198.51.100.7" }), at]
        )
      await q(
        "INSERT INTO email_attachments (email_id, filename, content_type, content) VALUES ($1, 'a.txt', 'text/plain', $2)",
        [emailId, Buffer.from(`for ${to}`)]
      )
      return emailId
    },
    /** An outbox event naming `to`, fanned out into a delivery to the team's webhook with one attempt. */
    event: async (teamId: number, at: Date, to: string) => {
      const eventId = await one(
        "INSERT INTO events (team_id, type, payload, created_at, fanned_out_at) VALUES ($1, 'email.delivered', $2, $3, $3) RETURNING id",
        [teamId, JSON.stringify({ type: "email.delivered", data: { to: [to] } }), at]
      )
      const webhookId = await webhookOf(teamId)
      const deliveryId = await one(
        `INSERT INTO webhook_deliveries (webhook_id, team_id, event_id, event_public_id, event_type, data,
           event_created_at, status, created_at)
         VALUES ($1, $2, $3, $4, 'email.delivered', $5, $6, 'delivered', $6) RETURNING id`,
        [webhookId, teamId, eventId, `evt_${hex(16)}`, JSON.stringify({ to: [to] }), at]
      )
      await q(
        "INSERT INTO webhook_attempts (delivery_id, attempt, started_at, duration_ms, status_code) VALUES ($1, 1, $2, 5, 200)",
        [deliveryId, at]
      )
      return eventId
    },
    /** An inbound message from `from`, for each team in `teamIds` (one stored copy), with one attachment. */
    inbound: async (teamIds: ReadonlyArray<number>, at: Date, from: string) => {
      const folder = `inbound/${hex(16)}`
      const rawKey = `${folder}/raw`
      const partKey = `${folder}/part-1`
      if (blobRoot !== undefined) {
        await mkdir(path.join(blobRoot, folder), { recursive: true })
        await writeFile(path.join(blobRoot, rawKey), `From: ${from}\r\n\r\nhello`)
        await writeFile(path.join(blobRoot, partKey), `attachment from ${from}`)
      }
      const ids: number[] = []
      for (const teamId of teamIds) {
        const id = await one(
          `INSERT INTO inbound_emails (team_id, from_address, to_address, to_addresses, subject, text_body,
             authentication, raw_key, created_at, envelope_from, envelope_to)
           VALUES ($1, $2, 'in@inbound.test', '["in@inbound.test"]', 'From ' || $2, 'Body from ' || $2, '{}', $3, $4, $2,
             '{in@inbound.test}')
           RETURNING id`,
          [teamId, from, rawKey, at]
        )
        await q(
          `INSERT INTO inbound_attachments (inbound_email_id, filename, content_type, size, blob_key, created_at)
           VALUES ($1, 'a.txt', 'text/plain', 10, $2, $3)`,
          [id, partKey, at]
        )
        ids.push(id)
      }
      return { ids, rawKey, partKey }
    },
    session: async (createdAt: Date) => {
      const userId = `usr_${hex(12)}`
      await q("INSERT INTO users (id, email) VALUES ($1, $2)", [userId, `${hex(4)}@people.test`])
      await q(
        `INSERT INTO sessions (id, token_hash, user_id, created_at, expires_at, last_seen_at)
         VALUES ($1, $2, $3, $4::timestamptz, $4::timestamptz + interval '24 hours', $4::timestamptz)`,
        [`ses_${hex(12)}`, randomBytes(32), userId, createdAt]
      )
      return userId
    },
    suppression: (teamId: number, address: string, sourceEmailId: number | null) =>
      q(
        "INSERT INTO suppressions (team_id, email, reason, source_email_id) VALUES ($1, $2, 'hard_bounce', $3)",
        [teamId, address, sourceEmailId]
      ),
    count: async (text: string, values: ReadonlyArray<unknown> = []) => {
      const [row] = await q<{ n: number }>(`SELECT count(*)::int AS n FROM ${text}`, values)
      return row?.n ?? 0
    }
  }
}
export type PgSeed = ReturnType<typeof pgSeed>
