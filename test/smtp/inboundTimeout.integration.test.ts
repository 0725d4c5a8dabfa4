import { mkdtempSync, readdirSync } from "node:fs"
import { tmpdir } from "node:os"
import path from "node:path"
import pg from "pg"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { createTestDatabase } from "../support/database.js"
import { startDnsServer, type TestDnsServer } from "../support/dnsServer.js"
import { addInboundDomain } from "../support/domains.js"
import { deliverRaw, inboundMxDoor } from "../support/mx.js"
import { startTestServer, type TestServer } from "../support/server.js"

const message = [
  "From: friend@sender.test",
  "To: help@inbox.test",
  "Subject: slow",
  "MIME-Version: 1.0",
  'Content-Type: multipart/mixed; boundary="m1"',
  "",
  "--m1",
  "Content-Type: text/plain",
  "",
  "hello",
  "--m1",
  "Content-Type: application/pdf",
  'Content-Disposition: attachment; filename="a.pdf"',
  "",
  "%PDF-1.4",
  "--m1--",
  ""
].join("\r\n")

/** Every file under `dir`, however deep. */
const filesUnder = (dir: string): Array<string> =>
  readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name))

describe("inbound mail the MX gives up on (its time limit)", () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>
  let dns: TestDnsServer
  let server: TestServer
  let mxPort: number
  const blobDir = mkdtempSync(path.join(tmpdir(), "poststack-inbound-timeout-"))

  beforeAll(async () => {
    db = await createTestDatabase()
    dns = await startDnsServer()
    const mx = await inboundMxDoor(512 * 1024, "1 second")
    mxPort = mx.port
    server = await startTestServer({
      databaseUrl: db.url,
      dnsServers: [dns.address],
      doors: mx.layer,
      blobDir
    })
    await addInboundDomain(server.baseUrl, (await server.bootstrap()) ?? "", dns, "inbox.test")
  })
  afterAll(async () => {
    await server.close()
    await dns.close()
    await db.drop()
  })

  it("answers 451 and leaves no file behind when storing outlasts the limit, then stores the retry", async () => {
    // The database is slow: the rows wait on a lock held past the MX's limit.
    const locker = new pg.Client({ connectionString: db.url })
    await locker.connect()
    await locker.query("BEGIN")
    await locker.query("LOCK TABLE inbound_emails IN ACCESS EXCLUSIVE MODE")
    try {
      await expect(deliverRaw(mxPort, "friend@sender.test", ["help@inbox.test"], message)).rejects.toThrow(
        /451 4\.3\.0/
      )
      // The raw message and its part were written before the rows; none may stay without them.
      await new Promise((r) => setTimeout(r, 200))
      expect(filesUnder(blobDir)).toEqual([])
    } finally {
      await locker.query("ROLLBACK")
      await locker.end()
    }
    const rows = await new pg.Client({ connectionString: db.url })
    await rows.connect()
    expect((await rows.query("SELECT count(*)::int AS n FROM inbound_emails")).rows[0].n).toBe(0)
    // The sender's retry, with the database well again, is stored with its files.
    const info = await deliverRaw(mxPort, "friend@sender.test", ["help@inbox.test"], message)
    expect(info.response).toMatch(/^250 /)
    expect((await rows.query("SELECT count(*)::int AS n FROM inbound_emails")).rows[0].n).toBe(1)
    await rows.end()
    expect(filesUnder(blobDir).length).toBe(2)
  })
})
