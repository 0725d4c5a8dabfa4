import {
  chmodSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync
} from "node:fs"
import { tmpdir } from "node:os"
import * as path from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { createServer } from "node:net"
import type { AddressInfo } from "node:net"
import { createTestDatabase, query } from "../support/database.js"
import { startThrowawayPostgres } from "../support/throwawayPostgres.js"
import { TEST_ENCRYPTION_KEY } from "../support/server.js"
import { homeFor, ordinaryUser, readableCheckout } from "./ordinaryUser.js"
import { freePort, launch, type Running } from "./processes.js"

const started: Array<Running> = []
afterAll(async () => {
  for (const p of started) await p.stop("SIGKILL")
})

describe("pnpm start with no configuration", () => {
  it("runs migrations on an embedded PostgreSQL, hands over one key once, serves it, and survives a restart", async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), "poststack-start-"))
    chmodSync(dataDir, 0o755)
    // The key file of an earlier database (a removed cluster, a test run) is moved aside, not a reason to fail.
    writeFileSync(path.join(dataDir, "bootstrap-api-key"), "sk_live_of_an_earlier_database\n", {
      mode: 0o600
    })
    const port = await freePort()
    try {
      const first = launch("apps/server/src/main.ts", { POSTSTACK_DATA_DIR: dataDir, PORT: String(port) })
      started.push(first)
      await first.waitFor(`Listening on http://0.0.0.0:${port}`, 90_000)
      expect(first.output()).toContain("worker started")
      // Not a terminal, so the key is handed over in a 0600 file, and never printed to the log stream.
      const keyFile = path.join(dataDir, "bootstrap-api-key")
      expect(statSync(keyFile).mode & 0o777).toBe(0o600)
      const key = readFileSync(keyFile, "utf8").trim()
      expect(key).toMatch(/^sk_live_[A-Za-z0-9_-]{43}$/)
      expect(first.output()).not.toContain(key)
      expect(first.output()).toContain(keyFile)
      const aside = readdirSync(dataDir).filter((f) => /^bootstrap-api-key\.\d+$/.test(f))
      expect(aside).toHaveLength(1)
      expect(readFileSync(path.join(dataDir, aside[0] ?? ""), "utf8")).toBe(
        "sk_live_of_an_earlier_database\n"
      )

      const ready = await fetch(`http://127.0.0.1:${port}/readyz`)
      expect(await ready.json()).toMatchObject({ status: "ready", migrations: true })
      const keys = await fetch(`http://127.0.0.1:${port}/api-keys`, {
        headers: { Authorization: `Bearer ${key}` }
      })
      expect(keys.status).toBe(200)
      expect(((await keys.json()) as { keys: Array<{ permission: string }> }).keys).toEqual([
        expect.objectContaining({ permission: "full_access", name: "Bootstrap key" })
      ])

      // A second start on the same data folder says who holds it, in one line.
      const twice = launch("apps/server/src/main.ts", {
        POSTSTACK_DATA_DIR: dataDir,
        PORT: String(await freePort())
      })
      started.push(twice)
      expect(await twice.exited).toBe(1)
      expect(fatalLine(twice)).toBe(
        `cannot start: PostStack is already running on the data folder ${dataDir} (pid ${first.child.pid}): stop it first (kill ${first.child.pid}), or set POSTSTACK_DATA_DIR to another folder`
      )
      // A CLI typo is named at its level, with the commands there, and starts no database.
      const typo = launch("apps/server/src/cli.ts", { POSTSTACK_DATA_DIR: dataDir }, ["keys", "lst"])
      started.push(typo)
      expect(await typo.exited).toBe(1)
      expect(typo.output().trim()).toBe(
        'poststack keys: unknown command "lst" (did you mean "list"?). Commands: create, list, revoke'
      )

      // The CLI attaches to the running embedded database rather than starting a second one.
      const cli = launch("apps/server/src/cli.ts", { POSTSTACK_DATA_DIR: dataDir }, [
        "keys",
        "create",
        "--name",
        "from-cli",
        "--permission",
        "sending_access"
      ])
      started.push(cli)
      expect(await cli.exited).toBe(0)
      const cliKey = /(sk_live_[A-Za-z0-9_-]{43})/.exec(cli.output())?.[1]
      const listed = await fetch(`http://127.0.0.1:${port}/api-keys`, {
        headers: { Authorization: `Bearer ${key}` }
      })
      const names = ((await listed.json()) as { keys: Array<{ name: string; keyPrefix: string }> }).keys
      expect(names).toContainEqual(
        expect.objectContaining({ name: "from-cli", keyPrefix: cliKey?.slice(0, 12) })
      )

      // Production logging: one JSON line per request, with its id, method, path, status and duration.
      await first.waitFor(/"message":"http request"[^\n]*\n[\s\S]*"message":"http request"/, 5_000)
      const requests = first
        .output()
        .split("\n")
        .filter((l) => l.startsWith("{"))
        .map((l) => JSON.parse(l) as { message: unknown; annotations: Record<string, unknown> })
        .filter((l) => l.message === "http request")
      expect(requests.length).toBeGreaterThanOrEqual(2)
      for (const line of requests) {
        expect(Object.keys(line.annotations).sort()).toEqual([
          "durationMs",
          "method",
          "path",
          "requestId",
          "status"
        ])
      }
      expect(requests).toContainEqual(
        expect.objectContaining({
          annotations: expect.objectContaining({ method: "GET", path: "/api-keys", status: 200 })
        })
      )

      expect(await first.stop("SIGTERM")).toBe(0)
      // The cluster was shut down with the process, not orphaned.
      expect(existsSync(path.join(dataDir, "postgres", "postmaster.pid"))).toBe(false)

      const second = launch("apps/server/src/main.ts", { POSTSTACK_DATA_DIR: dataDir, PORT: String(port) })
      started.push(second)
      await second.waitFor("Listening on", 90_000)
      expect(second.output()).not.toMatch(/sk_live_/)
      expect(readFileSync(keyFile, "utf8").trim()).toBe(key)
      const again = await fetch(`http://127.0.0.1:${port}/api-keys`, {
        headers: { Authorization: `Bearer ${key}` }
      })
      expect(again.status).toBe(200)
      expect(await second.stop("SIGTERM")).toBe(0)
    } finally {
      rmSync(dataDir, { recursive: true, force: true })
    }
  }, 240_000)
})

describe("pnpm start as an ordinary user", () => {
  it("starts its embedded PostgreSQL as that user, with no system user created, and answers /healthz", async () => {
    // As root the start runs as `nobody` (or a throwaway system user), from a checkout it can read.
    const user = ordinaryUser()
    const home = homeFor(user)
    const checkout = readableCheckout(user)
    const dataDir = path.join(home.dir, ".poststack")
    const port = await freePort()
    try {
      const server = launch(
        "apps/server/src/main.ts",
        {
          HOME: home.dir,
          POSTSTACK_DATA_DIR: dataDir,
          PORT: String(port),
          POSTSTACK_SMTP_SUBMISSION_PORT: "off",
          POSTSTACK_SMTP_SUBMISSION_TLS_PORT: "off",
          POSTSTACK_SMTP_INBOUND_PORT: "off"
        },
        [],
        { user, root: checkout.root }
      )
      started.push(server)
      await server.waitFor("Listening on", 120_000)
      const health = await fetch(`http://127.0.0.1:${port}/healthz`)
      expect(health.status).toBe(200)
      expect(await health.json()).toEqual({ status: "ok" })
      // PostgreSQL's files belong to that user and stay in its data folder: nothing was relocated.
      expect(statSync(path.join(dataDir, "postgres", "PG_VERSION")).uid).toBe(user.uid)
      expect(server.output()).not.toMatch(/groupadd|useradd|relocated":true/)
      expect(statSync(path.join(dataDir, "bootstrap-api-key")).uid).toBe(user.uid)
      expect(await server.stop("SIGTERM")).toBe(0)
    } finally {
      home.remove()
      checkout.remove()
    }
  }, 180_000)
})

describe("production mode: external PostgreSQL, server and worker as separate processes", () => {
  it("stores the configured bootstrap key as given, and both processes stop cleanly on SIGTERM", async () => {
    const db = await createTestDatabase()
    const port = await freePort()
    const bootstrapKey = "sk_test_configuredconfiguredconfigured"
    try {
      const shared = { DATABASE_URL: db.url, POSTSTACK_ENCRYPTION_KEY: TEST_ENCRYPTION_KEY }
      const env = { ...shared, PORT: String(port), POSTSTACK_BOOTSTRAP_API_KEY: bootstrapKey }
      const server = launch("apps/server/src/main.ts", env)
      const worker = launch("apps/worker/src/main.ts", shared)
      started.push(server, worker)
      await server.waitFor("Listening on")
      await worker.waitFor("worker started")
      expect(server.output()).not.toContain("worker started")
      expect(server.output()).not.toContain(bootstrapKey)
      const res = await fetch(`http://127.0.0.1:${port}/api-keys`, {
        headers: { Authorization: `Bearer ${bootstrapKey}` }
      })
      expect(res.status).toBe(200)
      expect(((await res.json()) as { keys: Array<{ mode: string }> }).keys[0]?.mode).toBe("test")
      const jsonLines = server
        .output()
        .split("\n")
        .filter((l) => l.startsWith("{"))
      expect(jsonLines.length).toBeGreaterThan(3)
      for (const line of jsonLines) expect(() => JSON.parse(line)).not.toThrow()
      expect(await worker.stop("SIGTERM")).toBe(0)
      expect(worker.output()).toContain("worker stopping")
      expect(await server.stop("SIGTERM")).toBe(0)
    } finally {
      await db.drop()
    }
  }, 120_000)
})

/** The one fatal line a failed start writes: a message naming cause and fix, and no stack trace. */
const fatalLine = (p: Running) => {
  const lines = p
    .output()
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as { message: unknown; logLevel: string; cause?: unknown })
    .filter((l) => l.logLevel === "FATAL" || l.logLevel === "ERROR")
  expect(lines).toHaveLength(1)
  expect(lines[0]?.cause).toBeUndefined()
  expect(p.output()).not.toMatch(/\n\s+at .*\.ts:\d+/)
  return String(lines[0]?.message)
}

describe("configuration errors", () => {
  it("refuses to start with an external database and no shared encryption key, before any migration, and says why", async () => {
    const db = await createTestDatabase()
    try {
      const server = launch("apps/server/src/main.ts", {
        DATABASE_URL: db.url,
        PORT: String(await freePort())
      })
      started.push(server)
      expect(await server.exited).not.toBe(0)
      expect(fatalLine(server)).toMatch(/^cannot start: POSTSTACK_ENCRYPTION_KEY .* openssl rand -base64 32$/)
      const [tables] = await query<{ n: number }>(
        db.url,
        "SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'public'"
      )
      expect(tables?.n).toBe(0)
    } finally {
      await db.drop()
    }
  }, 150_000)

  it("says in one line what is wrong with DATABASE_URL or the port, and how to fix it", async () => {
    // Its own data folder: a start that gets as far as the first key writes it there, not in the checkout.
    const dataDir = mkdtempSync(path.join(tmpdir(), "poststack-config-"))
    const db = await createTestDatabase()
    const scram = await startThrowawayPostgres({ fsync: false })
    const busy = createServer().listen(0, "0.0.0.0")
    await new Promise((r) => busy.once("listening", r))
    const busyPort = (busy.address() as AddressInfo).port
    const unknownDb = new URL(db.url)
    unknownDb.pathname = "/no_such_database"
    const badPassword = new URL(scram.url)
    badPassword.password = "wrong"
    const cases: Array<[string, Record<string, string>, RegExp]> = [
      [
        "refused",
        { DATABASE_URL: "postgres://postgres@127.0.0.1:1/poststack" },
        /^cannot start: PostgreSQL refused the connection at 127\.0\.0\.1:1: start PostgreSQL there, or fix the host and port in DATABASE_URL$/
      ],
      [
        "unknown database",
        { DATABASE_URL: unknownDb.toString() },
        /^cannot start: database "no_such_database" does not exist on .*: create it \(createdb no_such_database\) or fix the database name in DATABASE_URL$/
      ],
      [
        "bad password",
        { DATABASE_URL: badPassword.toString() },
        /^cannot start: PostgreSQL refused the password for user "postgres" on .*: fix the password in DATABASE_URL$/
      ],
      [
        "not a URL",
        { DATABASE_URL: "localhost/poststack" },
        /^cannot start: DATABASE_URL is not a PostgreSQL URL \(it is not a URL\): write it as postgres:\/\/user:password@host:5432\/database$/
      ],
      [
        "port in use",
        { DATABASE_URL: db.url, PORT: String(busyPort) },
        new RegExp(
          `^cannot start: port ${busyPort} is already in use \\(0\\.0\\.0\\.0:${busyPort}\\): stop the process that holds it, or set PORT to a free port$`
        )
      ]
    ]
    try {
      const runs: Array<Running> = []
      for (const [, env] of cases) {
        const p = launch("apps/server/src/main.ts", {
          POSTSTACK_ENCRYPTION_KEY: TEST_ENCRYPTION_KEY,
          POSTSTACK_DATA_DIR: dataDir,
          PORT: String(await freePort()),
          POSTSTACK_SMTP_SUBMISSION_PORT: "off",
          POSTSTACK_SMTP_SUBMISSION_TLS_PORT: "off",
          POSTSTACK_SMTP_INBOUND_PORT: "off",
          ...env
        })
        started.push(p)
        runs.push(p)
      }
      for (const [i, p] of runs.entries()) {
        const [name, , expected] = cases[i] ?? []
        expect(await p.exited, String(name)).toBe(1)
        expect(fatalLine(p), String(name)).toMatch(expected as RegExp)
      }
    } finally {
      busy.close()
      await scram.stop()
      await db.drop()
      rmSync(dataDir, { recursive: true, force: true })
    }
  }, 180_000)
})
