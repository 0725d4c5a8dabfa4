import type { ChildProcess } from "node:child_process"
import { chmodSync, mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import * as path from "node:path"
import { EmbeddedPostgres as EmbeddedPostgresAdapter } from "@poststack/adapters-persistence"
import { Effect } from "effect"
import { freePort } from "./net.js"

/**
 * A throwaway embedded PostgreSQL in a temporary folder, for a test run or a bench; returns its
 * superuser URL and a function that stops it and removes its files.
 */
export const startThrowawayPostgres = async (options: { readonly fsync: boolean }) => {
  // The adapter's loader: as root, it runs the programs from where the postgres user can reach them.
  const EmbeddedPostgres = await Effect.runPromise(EmbeddedPostgresAdapter.loadEmbeddedPostgres())
  const dir = mkdtempSync(path.join(tmpdir(), "poststack-pg-"))
  // As root, PostgreSQL runs as the postgres user, which must be able to enter this folder.
  chmodSync(dir, 0o755)
  const port = await freePort()
  const server = new EmbeddedPostgres({
    databaseDir: path.join(dir, "data"),
    port,
    user: "postgres",
    password: "postgres",
    persistent: false,
    createPostgresUser: EmbeddedPostgresAdapter.runningAsRoot(),
    postgresFlags: [
      "-c",
      "listen_addresses=127.0.0.1",
      "-c",
      "unix_socket_directories=",
      ...(options.fsync ? [] : ["-c", "fsync=off"])
    ],
    onLog: () => {}
  })
  await server.initialise()
  await server.start()
  // The package keeps its server process private; the fault tests need to kill it.
  const postmaster = () => (server as unknown as { process?: ChildProcess }).process
  return {
    url: `postgres://postgres:postgres@127.0.0.1:${port}/postgres`,
    /** Stops the server abruptly (immediate shutdown: no checkpoint, crash recovery on restart). */
    crash: async () => {
      const child = postmaster()
      if (child === undefined || child.exitCode !== null) return
      const exited = new Promise((resolve) => child.once("exit", resolve))
      child.kill("SIGQUIT")
      await exited
    },
    /** Starts it again on the same files and port. */
    restart: () => server.start(),
    stop: async () => {
      await server.stop()
      rmSync(dir, { recursive: true, force: true })
    }
  }
}
