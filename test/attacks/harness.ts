import { expect } from "vitest"
import { createTestDatabase, insertTeamWithKey, query } from "../support/database.js"
import { startDnsServer, type TestDnsServer } from "../support/dnsServer.js"
import { addVerifiedDomain } from "../support/domains.js"
import { startTestServer, type TestServer, type TestServerOptions } from "../support/server.js"

export interface Res {
  readonly status: number
  readonly headers: Headers
  readonly text: string
  readonly body: Record<string, unknown>
}

/** One request as a client sends it; the body is parsed when it is JSON, and kept as text too. */
export const request = async (
  baseUrl: string,
  key: string,
  method: string,
  path: string,
  body?: unknown
): Promise<Res> => {
  const res = await fetch(`${baseUrl}${path}`, {
    method,
    headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
    ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) })
  })
  const text = await res.text()
  let parsed: Record<string, unknown> = {}
  try {
    parsed = JSON.parse(text) as Record<string, unknown>
  } catch {
    parsed = {}
  }
  return { status: res.status, headers: res.headers, text, body: parsed }
}

/** A refusal in the contract's shape: this status, exactly `{error, code}` with this code. */
export const expectRefusal = (res: Res, status: number, code: string) => {
  expect({ status: res.status, code: res.body.code }).toEqual({ status, code })
  expect(Object.keys(res.body).sort()).toEqual(["code", "error"])
  expect(typeof res.body.error).toBe("string")
}

/** Every table a request could have written to, counted; compared before and after an attack. */
export const snapshotCounts = async (url: string) => {
  const tables = ["emails", "deliveries", "email_events", "events", "email_attachments"]
  const present = await query<{ table_name: string }>(
    url,
    "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_name = ANY($1) ORDER BY table_name",
    [tables]
  )
  const counts: Record<string, number> = {}
  for (const { table_name } of present) {
    const [row] = await query<{ n: string }>(url, `SELECT count(*) AS n FROM ${table_name}`)
    counts[table_name] = Number(row?.n)
  }
  return counts
}

export interface TwoTeams {
  readonly db: Awaited<ReturnType<typeof createTestDatabase>>
  readonly dns: TestDnsServer
  readonly server: TestServer
  /** Team A's full-access key (the bootstrap team), and its verified domain `a.test`. */
  readonly keyA: string
  readonly domainA: { readonly id: number; readonly publicId: string }
  /** Team B's full-access key (a second team written to the database), and its verified `b.test`. */
  readonly keyB: string
  readonly domainB: { readonly id: number; readonly publicId: string }
  readonly close: () => Promise<void>
}

/** A server with two teams, each with a verified sending domain of its own. */
export const startTwoTeams = async (options: Partial<TestServerOptions> = {}): Promise<TwoTeams> => {
  const db = await createTestDatabase()
  const dns = await startDnsServer()
  const server = await startTestServer({ databaseUrl: db.url, dnsServers: [dns.address], ...options })
  const keyA = (await server.bootstrap()) ?? ""
  const keyB = await insertTeamWithKey(db.url, "Team B")
  const domainA = await addVerifiedDomain(server.baseUrl, keyA, dns, "a.test")
  const domainB = await addVerifiedDomain(server.baseUrl, keyB, dns, "b.test")
  return {
    db,
    dns,
    server,
    keyA,
    keyB,
    domainA,
    domainB,
    close: async () => {
      await server.close()
      await dns.close()
      await db.drop()
    }
  }
}
