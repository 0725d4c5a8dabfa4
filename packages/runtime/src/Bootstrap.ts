import { mkdirSync, renameSync, writeFileSync } from "node:fs"
import { isIP } from "node:net"
import * as path from "node:path"
import { BootstrapTeam, PepperLegacyKeyHashes, RegisterDedicatedIps } from "@poststack/application"
import type { TeamId } from "@poststack/domain"
import { Config, Console, Effect, Layer, Option, Redacted } from "effect"

/**
 * Every start: converts API key hashes stored before peppering. First start: creates the default team and its first full-access key. A generated key is shown
 * once: printed when stdout is a terminal, otherwise written to `<data dir>/bootstrap-api-key`
 * (mode 0600), since a non-terminal stdout is a log stream. It is never logged.
 */
export const BootstrapLive = Layer.effectDiscard(
  Effect.gen(function* () {
    // Before the API serves: keys stored before migration 0015 authenticate once peppered.
    const peppered = yield* PepperLegacyKeyHashes()
    if (peppered > 0)
      yield* Effect.logInfo("API key hashes peppered").pipe(Effect.annotateLogs("keys", peppered))
    const configured = yield* Config.option(Config.redacted("POSTSTACK_BOOTSTRAP_API_KEY"))
    const result = yield* BootstrapTeam(configured)
    if (result._tag === "AlreadyBootstrapped") return
    yield* Effect.logInfo("created the default team").pipe(Effect.annotateLogs("team", result.teamName))
    if (Option.isNone(result.plaintext)) return
    const plaintext = Redacted.value(result.plaintext.value)
    if (process.stdout.isTTY) {
      yield* Console.log(
        [
          "",
          "  Your first API key (full access). It is shown this once; store it now:",
          "",
          `    ${plaintext}`,
          ""
        ].join("\n")
      )
      return
    }
    // Not a terminal: stdout is a log stream, and keys never go to logs. Hand it over in a file only root can read.
    const dataDir = yield* Config.string("POSTSTACK_DATA_DIR").pipe(Config.withDefault("./.poststack"))
    const file = path.resolve(dataDir, "bootstrap-api-key")
    // A file there already holds the key of an earlier database (a removed cluster, another
    // DATABASE_URL, a test run): it is kept aside, never overwritten, and the new key takes its name.
    const aside = `${file}.${Date.now()}`
    const keptAside = yield* Effect.sync(() => {
      mkdirSync(path.dirname(file), { recursive: true })
      let moved = true
      try {
        renameSync(file, aside)
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e
        moved = false
      }
      writeFileSync(file, `${plaintext}\n`, { mode: 0o600, flag: "wx" })
      return moved
    })
    if (keptAside)
      yield* Effect.logWarning("an earlier database's key file was moved aside").pipe(
        Effect.annotateLogs("file", aside)
      )
    yield* Effect.logWarning(
      "the first API key was written to a file: read it, store it, delete the file"
    ).pipe(Effect.annotateLogs("file", file))
  })
)

/**
 * `POSTSTACK_DEDICATED_IPS`: comma-separated outbound addresses domains may be pinned to
 * (`POST /domains/:id/ip`); `203.0.113.7@3` dedicates an address to team 3, a bare address is
 * shared by every team.
 */
export const DedicatedIpsLive = Layer.effectDiscard(
  Effect.gen(function* () {
    const raw = yield* Config.string("POSTSTACK_DEDICATED_IPS").pipe(Config.withDefault(""))
    const entries = raw
      .split(",")
      .map((a) => a.trim())
      .filter((a) => a !== "")
      .map((entry) => {
        const [address = "", team] = entry.split("@")
        return { entry, address, teamId: team === undefined ? null : Number(team) }
      })
    const invalid = entries.filter(
      (e) => isIP(e.address) === 0 || (e.teamId !== null && !(Number.isInteger(e.teamId) && e.teamId > 0))
    )
    if (invalid.length > 0) {
      return yield* Effect.dieMessage(
        `POSTSTACK_DEDICATED_IPS: not address[@team] entries: ${invalid.map((e) => e.entry).join(", ")}`
      )
    }
    const ids = yield* RegisterDedicatedIps(
      entries.map((e) => ({ address: e.address, teamId: e.teamId as TeamId | null }))
    )
    if (ids.length > 0) {
      yield* Effect.logInfo("dedicated IPs").pipe(
        Effect.annotateLogs(
          "ips",
          entries.map((e, i) => `${ids[i]}=${e.entry}`)
        )
      )
    }
  })
)
