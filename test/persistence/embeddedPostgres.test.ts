import { chmodSync, mkdirSync, mkdtempSync, rmSync } from "node:fs"
import { tmpdir, userInfo } from "node:os"
import * as path from "node:path"
import { EmbeddedPostgres } from "@poststack/adapters-persistence"
import { afterAll, describe, expect, it } from "vitest"

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
