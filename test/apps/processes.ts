import { freePort } from "../support/net.js"
import { type ChildProcess, spawn } from "node:child_process"
import * as path from "node:path"

export const repoRoot = path.resolve(import.meta.dirname, "../..")

export interface Running {
  readonly child: ChildProcess
  /** Everything written to stdout and stderr so far. */
  output: () => string
  /** Resolves once the output contains `text`; rejects after `timeoutMs`. */
  waitFor: (text: string | RegExp, timeoutMs?: number) => Promise<void>
  /** Resolves with the exit code once the process ends by itself. */
  readonly exited: Promise<number | null>
  /** Sends a signal and resolves with the exit code. */
  stop: (signal?: NodeJS.Signals, timeoutMs?: number) => Promise<number | null>
}

/** Starts one of the apps as a real process, the way `pnpm start` would. */
export const launch = (
  entry: string,
  env: Record<string, string>,
  args: ReadonlyArray<string> = [],
  options: {
    /** Run as this user (the test runs as root) instead of the test's own. */
    readonly user?: { readonly uid: number; readonly gid: number }
    /** Another checkout to run from. */
    readonly root?: string
    /** The entry is JavaScript already (a bundle): node runs it without tsx. */
    readonly compiled?: boolean
  } = {}
): Running => {
  const root = options.root ?? repoRoot
  const base = { ...process.env }
  for (const name of Object.keys(base))
    if (name === "DATABASE_URL" || name === "REDIS_URL" || name.startsWith("POSTSTACK_")) delete base[name]
  // One process, node itself (not the tsx wrapper), so that a signal reaches the app and SIGKILL kills it.
  const loader = options.compiled === true ? [] : ["--import", "tsx"]
  const child = spawn(process.execPath, [...loader, path.join(root, entry), ...args], {
    cwd: root,
    env: { ...base, ...env },
    stdio: ["ignore", "pipe", "pipe"],
    // libuv drops the supplementary groups too, as setpriv --clear-groups would.
    ...(options.user === undefined ? {} : { uid: options.user.uid, gid: options.user.gid })
  })
  let out = ""
  child.stdout?.on("data", (c) => (out += c))
  child.stderr?.on("data", (c) => (out += c))
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)))
  return {
    child,
    exited,
    output: () => out,
    waitFor: (text, timeoutMs = 60_000) =>
      new Promise((resolve, reject) => {
        const started = Date.now()
        const check = () => {
          if (typeof text === "string" ? out.includes(text) : text.test(out)) return resolve()
          if (child.exitCode !== null)
            return reject(new Error(`process exited (${child.exitCode}) before "${text}":\n${out}`))
          if (Date.now() - started > timeoutMs)
            return reject(new Error(`timed out waiting for "${text}":\n${out}`))
          setTimeout(check, 50)
        }
        check()
      }),
    stop: async (signal = "SIGTERM", timeoutMs = 20_000) => {
      if (child.exitCode !== null) return child.exitCode
      child.kill(signal)
      const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs)
      const code = await exited
      clearTimeout(timer)
      return code
    }
  }
}

export { freePort }

/** Resolves once the server on `port` answers /healthz; fails with its output if it exits or is slow. */
export const untilHealthy = async (server: Running, port: number, timeoutMs = 90_000) => {
  const deadline = Date.now() + timeoutMs
  while (
    !(await fetch(`http://127.0.0.1:${port}/healthz`).then(
      (r) => r.ok,
      () => false
    ))
  ) {
    if (server.child.exitCode !== null || Date.now() > deadline)
      throw new Error(`the server did not start:\n${server.output()}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

/**
 * Starts `count` server processes at once on one environment, each on a port of its own, and
 * resolves once all of them answer. Each is added to `running` as it starts, for the caller to stop.
 */
export const launchServers = async (
  count: number,
  env: Record<string, string>,
  running: Array<Running>
): Promise<ReadonlyArray<{ readonly server: Running; readonly port: number }>> => {
  const ports: Array<number> = []
  for (let i = 0; i < count; i++) ports.push(await freePort())
  const started = ports.map((port) => ({
    server: launch("apps/server/src/main.ts", { ...env, PORT: String(port) }),
    port
  }))
  running.push(...started.map((s) => s.server))
  await Promise.all(started.map((s) => untilHealthy(s.server, s.port)))
  return started
}
