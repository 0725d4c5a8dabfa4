import { spawnSync } from "node:child_process"
import { randomBytes } from "node:crypto"
import { rmSync, writeFileSync } from "node:fs"
import * as path from "node:path"
import { describe, expect, it } from "vitest"

const root = path.resolve(import.meta.dirname, "..")

/** Lints a snippet placed, for the duration of the check only, at `file` (with a random name). */
const lint = (file: string, source: string) => {
  const probe = path.join(root, path.dirname(file), `ArchitectureProbe${randomBytes(4).toString("hex")}.ts`)
  writeFileSync(probe, source)
  try {
    return spawnSync(path.join(root, "node_modules/.bin/biome"), ["lint", "--max-diagnostics=50", probe], {
      cwd: root,
      encoding: "utf8"
    })
  } finally {
    rmSync(probe, { force: true })
  }
}

describe("dependency rule", () => {
  it.each([
    ["packages/domain/src/X.ts", 'import { PgClient } from "@effect/sql-pg"'],
    ["packages/domain/src/X.ts", 'import { createHash } from "node:crypto"'],
    ["packages/domain/src/X.ts", 'import { SendEmail } from "@poststack/application"'],
    ["packages/application/src/X.ts", 'import { Redis } from "ioredis"'],
    ["packages/application/src/X.ts", 'import { HttpApi } from "@effect/platform"'],
    ["packages/application/src/X.ts", 'import nodemailer from "nodemailer"'],
    ["packages/application/src/X.ts", 'import { PgPersistence } from "@poststack/adapters-persistence"'],
    ["packages/adapters-http/src/X.ts", 'import { PgPersistence } from "@poststack/adapters-persistence"'],
    ["packages/adapters-persistence/src/X.ts", 'import { ServerLive } from "@poststack/server"'],
    ["packages/application/src/X.ts", 'import { createClient } from "redis"'],
    ["packages/domain/src/X.ts", 'import { SESClient } from "@aws-sdk/client-ses"'],
    ["packages/application/src/X.ts", 'import { Api } from "../../adapters-http/src/index.js"'],
    [
      "packages/adapters-http/src/X.ts",
      'import { PgPersistence } from "../../adapters-persistence/src/index.js"'
    ],
    // The contract is imported by a browser bundle: no Node built-in, no other layer, no Node platform.
    ["packages/contract/src/X.ts", 'import { readFileSync } from "node:fs"'],
    ["packages/contract/src/X.ts", 'import { createHash } from "crypto"'],
    ["packages/contract/src/X.ts", 'import { NodeHttpServer } from "@effect/platform-node"'],
    ["packages/contract/src/X.ts", 'import { SendEmail } from "@poststack/application"'],
    ["packages/contract/src/X.ts", 'import { HttpServerLive } from "@poststack/adapters-http"'],
    ["packages/contract/src/X.ts", 'import { runMain } from "@poststack/runtime"'],
    ["packages/contract/src/X.ts", 'import { PgClient } from "@effect/sql-pg"'],
    ["packages/contract/src/X.ts", 'import { SendEmail } from "../../application/src/index.js"'],
    ["packages/contract/src/groups/X.ts", 'import { Services } from "../../../runtime/src/index.js"'],
    // Shared wiring lives in the runtime: no app imports another, nothing below an app imports one.
    ["apps/server/src/X.ts", 'import { runMain } from "@poststack/worker"'],
    ["apps/server/src/X.ts", 'import { Services } from "../../worker/src/main.js"'],
    ["apps/worker/src/X.ts", 'import { ServerLive } from "@poststack/server"'],
    ["apps/worker/src/X.ts", 'import { Services } from "../../../packages/runtime/src/index.js"'],
    ["packages/runtime/src/X.ts", 'import { ServerLive } from "@poststack/server"'],
    ["packages/runtime/src/X.ts", 'import { WorkerLive } from "@poststack/worker"'],
    ["packages/runtime/src/X.ts", 'import { Api } from "../../contract/src/index.js"'],
    ["packages/adapters-http/src/X.ts", 'import { runMain } from "@poststack/runtime"'],
    ["packages/adapters-persistence/src/X.ts", 'import { Services } from "@poststack/runtime"'],
    // The dashboard runs in a browser: the contract's client, never server code or Node.
    ["apps/dashboard/src/X.ts", 'import { SendEmail } from "@poststack/application"'],
    ["apps/dashboard/src/X.ts", 'import { HttpServerLive } from "@poststack/adapters-http"'],
    ["apps/dashboard/src/X.ts", 'import { readFileSync } from "node:fs"'],
    ["apps/dashboard/src/X.ts", 'import { NodeHttpServer } from "@effect/platform-node"']
  ])("refuses %s importing: %s", (file, source) => {
    const result = lint(
      file,
      `${source}\nexport const used = [${source
        .match(/\{ (\w+) \}|import (\w+)/)
        ?.slice(1)
        .find(Boolean)}]\n`
    )
    expect(result.status).not.toBe(0)
    expect(result.stdout + result.stderr).toContain("noRestrictedImports")
  })

  it.each([
    ["packages/domain/src/X.ts", 'import { Schema } from "effect"'],
    ["packages/application/src/X.ts", 'import { ApiKey } from "@poststack/domain"'],
    ["packages/adapters-persistence/src/X.ts", 'import { PgClient } from "@effect/sql-pg"'],
    ["packages/domain/src/X.ts", 'import { Team } from "./Team.js"'],
    ["packages/application/src/X.ts", 'import { Schema } from "effect/Schema"'],
    ["packages/contract/src/X.ts", 'import { HttpApiEndpoint } from "@effect/platform"'],
    ["packages/contract/src/X.ts", 'import { ApiKeyMode } from "@poststack/domain"'],
    ["packages/contract/src/X.ts", 'import { Schema } from "effect"'],
    ["packages/contract/src/groups/X.ts", 'import { NotFoundJson } from "../errors.js"'],
    ["packages/adapters-http/src/X.ts", 'import { Api } from "@poststack/contract"'],
    ["packages/runtime/src/X.ts", 'import { PgDatabase } from "@poststack/adapters-persistence"'],
    ["packages/runtime/src/X.ts", 'import { SendEmail } from "@poststack/application"'],
    ["apps/server/src/X.ts", 'import { runMain } from "@poststack/runtime"'],
    ["apps/server/src/X.ts", 'import { HttpServerLive } from "@poststack/adapters-http"'],
    ["apps/worker/src/X.ts", 'import { WorkerLive } from "@poststack/runtime"'],
    ["apps/dashboard/src/X.ts", 'import { Api } from "@poststack/contract"'],
    ["apps/dashboard/src/X.ts", 'import { HttpApiClient } from "@effect/platform"']
  ])("allows %s importing: %s", (file, source) => {
    const result = lint(file, `${source}\nexport const used = [${source.match(/\{ (\w+) \}/)?.[1]}]\n`)
    expect(result.stdout + result.stderr).not.toContain("noRestrictedImports")
    expect(result.status).toBe(0)
  })
})
