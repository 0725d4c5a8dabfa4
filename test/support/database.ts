import { createHash, createHmac, hkdfSync, randomBytes } from "node:crypto"
import pg from "pg"
import { TEST_ENCRYPTION_KEY } from "./server.js"
import { inject } from "vitest"

/**
 * A database of its own for one test file, created on the suite's PostgreSQL and dropped after.
 * Returns its URL.
 */
export const createTestDatabase = async (): Promise<{ url: string; drop: () => Promise<void> }> => {
  const adminUrl = inject("adminDatabaseUrl")
  const name = `pst_${randomBytes(6).toString("hex")}`
  const admin = new pg.Client({ connectionString: adminUrl })
  await admin.connect()
  await admin.query(`CREATE DATABASE ${name}`)
  await admin.end()
  const url = new URL(adminUrl)
  url.pathname = `/${name}`
  return {
    url: url.toString(),
    drop: async () => {
      const client = new pg.Client({ connectionString: adminUrl })
      await client.connect()
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
      await client.end()
    }
  }
}

/** Runs one query on a database by URL, for assertions on the rows themselves. */
export const query = async <Row>(
  url: string,
  text: string,
  values: ReadonlyArray<unknown> = []
): Promise<Row[]> => {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    return (await client.query(text, [...values])).rows as Row[]
  } finally {
    await client.end()
  }
}

/** Another team, with a full-access key for it, written straight to the database; returns the key. */
/**
 * What the server stores for a key (the peppered hash; see docs/key-scopes.md), computed
 * independently of the product: HMAC-SHA256 under HKDF(TEST_ENCRYPTION_KEY) of the key's SHA-256.
 */
export const storedKeyHash = (key: string): Buffer => {
  const pepper = hkdfSync(
    "sha256",
    Buffer.from(TEST_ENCRYPTION_KEY, "base64"),
    new Uint8Array(0),
    "poststack api key pepper v1",
    32
  )
  return createHmac("sha256", Buffer.from(pepper)).update(createHash("sha256").update(key).digest()).digest()
}

export const insertTeamWithKey = async (url: string, name: string): Promise<string> => {
  const key = `sk_live_${randomBytes(24).toString("base64url")}`
  const [team] = await query<{ id: number }>(url, "INSERT INTO teams (name) VALUES ($1) RETURNING id", [name])
  await query(
    url,
    "INSERT INTO api_keys (team_id, name, key_prefix, key_hash, permission, mode) VALUES ($1, $2, $3, $4, 'full_access', 'live')",
    [team?.id, `${name} key`, key.slice(0, 12), storedKeyHash(key)]
  )
  return key
}
