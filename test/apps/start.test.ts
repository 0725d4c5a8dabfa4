import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs"
import { tmpdir } from "node:os"
import * as path from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { createTestDatabase } from "../support/database.js"
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

      const ready = await fetch(`http://127.0.0.1:${port}/readyz`)
      expect(await ready.json()).toMatchObject({ status: "ready", migrations: true })
      const keys = await fetch(`http://127.0.0.1:${port}/api-keys`, {
        headers: { Authorization: `Bearer ${key}` }
      })
      expect(keys.status).toBe(200)
      expect(((await keys.json()) as { keys: Array<{ permission: string }> }).keys).toEqual([
        expect.objectContaining({ permission: "full_access", name: "Bootstrap key" })
      ])

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

describe("configuration errors", () => {
  it("refuses to start with an external database and no shared encryption key, and says why", async () => {
    const db = await createTestDatabase()
    try {
      const server = launch("apps/server/src/main.ts", {
        DATABASE_URL: db.url,
        PORT: String(await freePort())
      })
      started.push(server)
      expect(await server.exited).not.toBe(0)
      expect(server.output()).toContain("POSTSTACK_ENCRYPTION_KEY")
    } finally {
      await db.drop()
    }
  }, 60_000)
})
