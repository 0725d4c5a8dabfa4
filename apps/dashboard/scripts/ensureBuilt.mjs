import { spawnSync } from "node:child_process"
import { existsSync, readdirSync, statSync } from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"

const dashboard = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..")
const root = path.resolve(dashboard, "../..")

/** Everything the bundle is made of: the pages and the contract (and domain) they import as source. */
const SOURCES = [
  path.join(dashboard, "src"),
  path.join(dashboard, "public"),
  path.join(dashboard, "index.html"),
  path.join(dashboard, "vite.config.ts"),
  path.join(dashboard, "package.json"),
  path.join(root, "packages/contract/src"),
  path.join(root, "packages/domain/src")
]

export const DIST = path.join(dashboard, "dist")

/** @param {string} entry @returns {number} */
const newest = (entry) => {
  if (!existsSync(entry)) return 0
  const stat = statSync(entry)
  if (!stat.isDirectory()) return stat.mtimeMs
  let latest = stat.mtimeMs
  for (const name of readdirSync(entry)) latest = Math.max(latest, newest(path.join(entry, name)))
  return latest
}

/** Whether `dist/` is missing or older than any of its sources. */
/** @returns {boolean} */
export const isStale = () => {
  const built = path.join(DIST, "index.html")
  if (!existsSync(built)) return true
  const builtAt = statSync(built).mtimeMs
  return SOURCES.some((source) => newest(source) > builtAt)
}

/**
 * Builds the dashboard with Vite when its build is missing or stale; a current build costs a few ms.
 * Plain JavaScript, so `pnpm start` runs it with bare Node (no TypeScript loader to start).
 */
/** @param {(line: string) => void} [log] */
export const ensureBuilt = (log = () => {}) => {
  if (!isStale()) return
  log("building the dashboard (apps/dashboard/dist)…")
  const vite = path.join(dashboard, "node_modules/vite/bin/vite.js")
  const result = spawnSync(process.execPath, [vite, "build", "--logLevel", "warn"], {
    cwd: dashboard,
    // Callers such as vitest set NODE_ENV=test, which would bundle React's development build.
    env: { ...process.env, NODE_ENV: "production" },
    stdio: ["ignore", "inherit", "inherit"]
  })
  if (result.status !== 0)
    throw new Error(`the dashboard build failed (exit ${result.status ?? result.signal})`)
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const started = Date.now()
  try {
    ensureBuilt((line) => console.log(line))
  } catch (error) {
    console.error(String(error))
    process.exit(1)
  }
  if (Date.now() - started > 100) console.log(`dashboard built in ${Date.now() - started} ms`)
}
