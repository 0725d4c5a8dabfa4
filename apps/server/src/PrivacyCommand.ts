import { writeFile } from "node:fs/promises"
import { Args, Command, Options } from "@effect/cli"
import { asOperator, RunPrivacyJobNow } from "@poststack/application"
import { ERASURE_STAGES, type ErasureProgress, type TeamId, ValidationFailed } from "@poststack/domain"
import { Console, Effect, Option } from "effect"

const count = (n: number) => n.toLocaleString("en-US")

/** A line redrawn in place on a terminal, one line per stage otherwise. */
const progressLine = (startedAt: number) => {
  const tty = process.stderr.isTTY === true
  let drawn = false
  let lastStage = ""
  return {
    report: (p: ErasureProgress) =>
      Effect.sync(() => {
        const done = p.stage === "done" ? ERASURE_STAGES.length : ERASURE_STAGES.indexOf(p.stage)
        const rows = Object.entries(p.counts)
          .filter(([k]) => k !== "blobs")
          .reduce((n, [, v]) => n + v, 0)
        const seconds = (Date.now() - startedAt) / 1000
        const width = ERASURE_STAGES.length * 4
        const bar = `[${"#".repeat(done * 4)}${".".repeat(width - done * 4)}]`
        const text = `${bar} ${p.stage} (${done}/${ERASURE_STAGES.length}), ${count(rows)} rows erased, ${seconds.toFixed(1)} s`
        if (tty) {
          process.stderr.write(`\r${text}\x1b[K`)
          drawn = true
        } else if (p.stage !== lastStage) {
          lastStage = p.stage
          process.stderr.write(`${text}\n`)
        }
      }),
    end: () => Effect.sync(() => (drawn ? process.stderr.write("\n") : undefined))
  }
}

const subject = Args.text({ name: "address" }).pipe(Args.withDescription("The data subject's email address"))

/** `poststack privacy export|erase ADDRESS`: a data subject's export or erasure, run here and now (P37). */
export const privacyCommands = <E, R>(
  teamOption: Options.Options<Option.Option<number>>,
  resolveTeam: (team: Option.Option<number>) => Effect.Effect<TeamId, E, R>
) => {
  const exportCommand = Command.make(
    "export",
    {
      address: subject,
      team: teamOption,
      out: Options.file("out").pipe(
        Options.withDescription("Where to write the JSON archive (default poststack-export-<job>.json here)"),
        Options.optional
      )
    },
    (args) =>
      Effect.gen(function* () {
        const teamId = yield* resolveTeam(args.team)
        const startedAt = Date.now()
        process.stderr.write(`exporting ${args.address} from team ${teamId}…\n`)
        const job = yield* RunPrivacyJobNow(asOperator(teamId), "export", args.address)
        const archive = job.result as Record<string, unknown>
        const file = Option.getOrElse(args.out, () => `poststack-export-${job.id}.json`)
        yield* Effect.tryPromise({
          try: () => writeFile(file, `${JSON.stringify(archive, null, 2)}\n`, { mode: 0o600 }),
          catch: (e) => new ValidationFailed({ message: `Could not write ${file}: ${String(e)}` })
        })
        const sizes = ["emails", "events", "contacts", "inbound", "webhookDeliveries", "suppressions"]
          .map((k) => `${count(Array.isArray(archive[k]) ? (archive[k] as unknown[]).length : 0)} ${k}`)
          .join(", ")
        yield* Console.log(
          `Exported ${job.address ?? args.address} from team ${teamId} (job ${job.id}) in ${((Date.now() - startedAt) / 1000).toFixed(1)} s to ${file}: ${sizes}.`
        )
      })
  ).pipe(Command.withDescription("Export everything a team holds about one address to a JSON file"))

  const eraseCommand = Command.make("erase", { address: subject, team: teamOption }, (args) =>
    Effect.gen(function* () {
      const teamId = yield* resolveTeam(args.team)
      const startedAt = Date.now()
      const line = progressLine(startedAt)
      const job = yield* RunPrivacyJobNow(asOperator(teamId), "erase", args.address, line.report).pipe(
        Effect.ensuring(line.end())
      )
      const erased = (job.result as { erased?: Record<string, number> } | null)?.erased ?? {}
      const report = Object.entries(erased)
        .map(([k, v]) => `${count(v)} ${k === "blobs" ? "files" : k}`)
        .join(", ")
      yield* Console.log(
        `Erased the address from team ${teamId} (job ${job.id}) in ${((Date.now() - startedAt) / 1000).toFixed(1)} s: ${report}. Its suppression entry, if any, stays.`
      )
    })
  ).pipe(
    Command.withDescription(
      "Erase one address from a team's emails, events, contacts, inbound mail and webhooks"
    )
  )

  return [exportCommand, eraseCommand] as const
}
