import { BootstrapTeam } from "@poststack/application"
import { Config, Console, Effect, Layer, Option, Redacted } from "effect"

/**
 * First start: creates the default team and its first full-access key. A generated key is
 * printed once, to the console, and never stored in clear or logged.
 */
export const BootstrapLive = Layer.effectDiscard(
  Effect.gen(function* () {
    const configured = yield* Config.option(Config.redacted("POSTSTACK_BOOTSTRAP_API_KEY"))
    const result = yield* BootstrapTeam(configured)
    if (result._tag === "AlreadyBootstrapped") return
    yield* Effect.logInfo("created the default team").pipe(Effect.annotateLogs("team", result.teamName))
    if (Option.isSome(result.plaintext)) {
      yield* Console.log(
        [
          "",
          "  Your first API key (full access). It is shown this once; store it now:",
          "",
          `    ${Redacted.value(result.plaintext.value)}`,
          ""
        ].join("\n")
      )
    }
  })
)
