import { mkdirSync, writeFileSync } from "node:fs"
import { isIP } from "node:net"
import * as path from "node:path"
import { BootstrapTeam, RegisterDedicatedIps } from "@poststack/application"
import { Config, Console, Effect, Layer, Option, Redacted } from "effect"

/**
 * First start: creates the default team and its first full-access key. A generated key is shown
 * once: printed when stdout is a terminal, otherwise written to `<data dir>/bootstrap-api-key`
 * (mode 0600), since a non-terminal stdout is a log stream. It is never logged.
 */
export const BootstrapLive = Layer.effectDiscard(
  Effect.gen(function* () {
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
    yield* Effect.sync(() => {
      mkdirSync(path.dirname(file), { recursive: true })
      writeFileSync(file, `${plaintext}\n`, { mode: 0o600, flag: "wx" })
    })
    yield* Effect.logWarning(
      "the first API key was written to a file: read it, store it, delete the file"
    ).pipe(Effect.annotateLogs("file", file))
  })
)

/** `POSTSTACK_DEDICATED_IPS`: comma-separated outbound addresses domains may be pinned to (`POST /domains/:id/ip`). */
export const DedicatedIpsLive = Layer.effectDiscard(
  Effect.gen(function* () {
    const raw = yield* Config.string("POSTSTACK_DEDICATED_IPS").pipe(Config.withDefault(""))
    const addresses = raw
      .split(",")
      .map((a) => a.trim())
      .filter((a) => a !== "")
    const invalid = addresses.filter((a) => isIP(a) === 0)
    if (invalid.length > 0) {
      return yield* Effect.dieMessage(`POSTSTACK_DEDICATED_IPS: not IP addresses: ${invalid.join(", ")}`)
    }
    const ids = yield* RegisterDedicatedIps(addresses)
    if (ids.length > 0) {
      yield* Effect.logInfo("dedicated IPs").pipe(
        Effect.annotateLogs(
          "ips",
          addresses.map((a, i) => `${ids[i]}=${a}`)
        )
      )
    }
  })
)
