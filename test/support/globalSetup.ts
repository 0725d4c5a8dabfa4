import { freePort } from "./net.js"
import { startThrowawayPostgres } from "./throwawayPostgres.js"
import { spawn, spawnSync } from "node:child_process"
import { Redis } from "ioredis"
import type { TestProject } from "vitest/node"
import { ensureBuilt } from "../../apps/dashboard/scripts/ensureBuilt.mjs"

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
  // The dashboard tests serve its build: made here once (a few ms when current), before any
  // worker starts, so no two test files build it at the same time.
  ensureBuilt((line) => console.log(line))

  let adminUrl = process.env.POSTSTACK_TEST_DATABASE_URL
  if (adminUrl === undefined || adminUrl === "") {
    // Tests may lose data on a crash: fsync off makes them faster.
    const pg = await startThrowawayPostgres({ fsync: false })
    adminUrl = pg.url
    cleanups.push(pg.stop)
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
