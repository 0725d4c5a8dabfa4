import { PgDatabase, PgPersistence } from "@poststack/adapters-persistence"
import { EmailRepository } from "@poststack/application"
import type { TeamId } from "@poststack/domain"
import { Cause, Effect, Exit, Layer, ManagedRuntime, Option, Redacted } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { callApi } from "../support/api.js"
import { createTestDatabase, query } from "../support/database.js"
import { startTestServer, type TestServer } from "../support/server.js"

/**
 * A row written by hand (or by some other program) with a value no version of PostStack writes
 * must not reach a client as if it were one, nor be blamed on the client's request.
 */
describe("a stored row that does not decode", () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>
  let server: TestServer
  let key: string
  let teamId: TeamId
  let repository: ManagedRuntime.ManagedRuntime<EmailRepository, unknown>

  const call = (path: string) => callApi(server.baseUrl, key, "GET", path)

  /** A well-formed email with one event, as the send path stores them; its public id. */
  const insertEmail = async (publicId: string, status = "delivered") => {
    const domain = await query<{ id: number }>(
      db.url,
      "INSERT INTO domains (team_id, public_id, name) VALUES ($1, $2, $3) RETURNING id",
      [teamId, `dom_${publicId}`, `${publicId}.example.com`]
    )
    const email = await query<{ id: string }>(
      db.url,
      `INSERT INTO emails (public_id, team_id, domain_id, from_address, to_addresses, subject, message_id, status,
         test_mode)
       VALUES ($1, $2, $3, 'news@corrupt.test', '{reader@example.com}', 'Hello', '<m@corrupt.test>', $4, false)
       RETURNING id`,
      [publicId, teamId, domain[0]?.id, status]
    )
    await query(
      db.url,
      "INSERT INTO email_events (email_id, event_type, metadata) VALUES ($1, 'queued', '{}')",
      [email[0]?.id]
    )
    return publicId
  }

  /** What the repository's effect ended with: its value, or the defect it died with. */
  const outcome = async <A>(effect: Effect.Effect<A, unknown, EmailRepository>) => {
    const exit = await repository.runPromiseExit(effect)
    if (Exit.isSuccess(exit)) return { value: exit.value }
    return {
      defect: Option.getOrUndefined(Cause.dieOption(exit.cause)) as { _tag?: string; message?: string }
    }
  }

  beforeAll(async () => {
    db = await createTestDatabase()
    server = await startTestServer({ databaseUrl: db.url })
    key = (await server.bootstrap()) ?? ""
    teamId = (await query<{ team_id: TeamId }>(db.url, "SELECT team_id FROM api_keys"))[0]?.team_id as TeamId
    repository = ManagedRuntime.make(
      PgPersistence.pipe(Layer.provideMerge(PgDatabase.layer(Redacted.make(db.url), { maxConnections: 2 })))
    )
  })
  afterAll(async () => {
    await repository.dispose()
    await server.close()
    await db.drop()
  })

  it("reads a well-formed row as the domain's email, its ids as numbers", async () => {
    const id = await insertEmail("em_wellformed")
    const read = await outcome(Effect.flatMap(EmailRepository, (emails) => emails.get(teamId, id)))
    const email = Option.getOrThrow(
      read.value as Option.Option<{ id: number; status: string; teamId: number }>
    )
    expect(email).toMatchObject({ status: "delivered", teamId })
    expect(typeof email.id).toBe("number")
    const answer = await call(`/emails/${id}`)
    expect(answer.status).toBe(200)
    expect(answer.body.email).toMatchObject({ publicId: id, status: "delivered" })
  })

  it("fails as a CorruptRow defect naming the table and field, never with the stored value", async () => {
    const id = await insertEmail("em_badstatus", "teleported")
    const read = await outcome(Effect.flatMap(EmailRepository, (emails) => emails.get(teamId, id)))
    expect(read.defect?._tag).toBe("CorruptRow")
    expect(read.defect?.message).toBe("a row of emails does not decode (status)")
    const listed = await outcome(Effect.flatMap(EmailRepository, (emails) => emails.list(teamId, {}, 1, 100)))
    expect(listed.defect?._tag).toBe("CorruptRow")

    await query(db.url, "UPDATE emails SET status = 'delivered' WHERE public_id = $1", [id])
    await query(
      db.url,
      "UPDATE email_events SET event_type = 'teleported' WHERE email_id = (SELECT id FROM emails WHERE public_id = $1)",
      [id]
    )
    const events = await outcome(Effect.flatMap(EmailRepository, (emails) => emails.events(teamId, id)))
    expect(events.defect?.message).toBe("a row of email_events does not decode (eventType)")
    await query(
      db.url,
      "UPDATE email_events SET event_type = 'queued' WHERE email_id = (SELECT id FROM emails WHERE public_id = $1)",
      [id]
    )
  })

  it("answers 500 internal_error on the wire, not a status outside the enum nor a 400 for the caller", async () => {
    const id = await insertEmail("em_wire", "teleported")
    for (const path of [`/emails/${id}`, "/emails?per_page=100"]) {
      const answer = await call(path)
      expect({ path, status: answer.status, body: answer.body }).toEqual({
        path,
        status: 500,
        body: { error: "Internal error", code: "internal_error" }
      })
    }
    // Mended by hand, the same email reads as it should again.
    await query(db.url, "UPDATE emails SET status = 'bounced' WHERE public_id = $1", [id])
    const mended = await call(`/emails/${id}`)
    expect(mended.status).toBe(200)
    expect(mended.body.email).toMatchObject({ status: "bounced" })
    expect((await call("/emails?per_page=100")).status).toBe(200)
  })

  it("reads headers that are not an object of strings as corrupt too", async () => {
    const id = await insertEmail("em_badheaders")
    await query(db.url, `UPDATE emails SET headers = '{"X-Count": 3}' WHERE public_id = $1`, [id])
    const read = await outcome(Effect.flatMap(EmailRepository, (emails) => emails.get(teamId, id)))
    expect(read.defect?.message).toBe("a row of emails does not decode (headers.X-Count)")
    expect((await call(`/emails/${id}`)).status).toBe(500)
    await query(db.url, "UPDATE emails SET headers = '{}' WHERE public_id = $1", [id])
  })
})
