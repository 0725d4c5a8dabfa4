import { Args, Command, Options } from "@effect/cli"
import { asOperator, type CsvImportSummary, ImportContactCsv } from "@poststack/application"
import { type TeamId, ValidationFailed } from "@poststack/domain"
import { Console, Effect, type Option } from "effect"
import { openContactCsv } from "./ContactCsvFile.js"

const count = (n: number) => n.toLocaleString("en-US")

/** A bar on a terminal (redrawn in place, at most ten times a second), plain lines at each tenth otherwise. */
const progressReporter = (progress: { bytesRead: number; size: number }, startedAt: number) => {
  const tty = process.stderr.isTTY === true
  let drawnAt = 0
  let tenth = 0
  return {
    report: (s: CsvImportSummary) =>
      Effect.sync(() => {
        const share = progress.size === 0 ? 1 : Math.min(1, progress.bytesRead / progress.size)
        const rate = Math.round(s.rows / Math.max(0.001, (Date.now() - startedAt) / 1000))
        const text = `${Math.floor(share * 100)}% ${count(s.rows)} rows (${count(s.imported)} imported, ${count(s.skipped)} skipped, ${count(s.rejected)} rejected) ${count(rate)} rows/s`
        if (tty) {
          if (Date.now() - drawnAt < 100) return
          drawnAt = Date.now()
          const width = 30
          const done = Math.round(share * width)
          process.stderr.write(`\r[${"#".repeat(done)}${".".repeat(width - done)}] ${text}\x1b[K`)
        } else if (Math.floor(share * 10) > tenth) {
          tenth = Math.floor(share * 10)
          process.stderr.write(`${text}\n`)
        }
      }),
    end: () => Effect.sync(() => (tty && drawnAt > 0 ? process.stderr.write("\n") : undefined))
  }
}

const printSummary = (file: string, teamId: TeamId, s: CsvImportSummary, seconds: number) =>
  Effect.gen(function* () {
    yield* Console.log(
      `Imported ${count(s.imported)} of ${count(s.rows)} rows from ${file} into team ${teamId} in ${seconds.toFixed(1)} s: ` +
        `${count(s.skipped)} skipped (address already a contact), ${count(s.rejected)} rejected.`
    )
    const list = (title: string, total: number, rows: CsvImportSummary["rejections"]) =>
      Effect.gen(function* () {
        if (total === 0) return
        yield* Console.log(`${title}${total > rows.length ? ` (the first ${count(rows.length)})` : ""}:`)
        for (const r of rows) yield* Console.log(`  line ${r.line}: ${r.reason}`)
      })
    yield* list("Rejected", s.rejected, s.rejections)
    yield* list("Skipped", s.skipped, s.skippedRows)
  })

/** `poststack contacts import FILE`: a CSV of contacts into a team, streamed. */
export const contactsImport = <E, R>(
  teamOption: Options.Options<Option.Option<number>>,
  resolveTeam: (team: Option.Option<number>) => Effect.Effect<TeamId, E, R>
) =>
  Command.make(
    "import",
    {
      file: Args.text({ name: "file" }).pipe(
        Args.withDescription("CSV with a header row: email, first_name, last_name and property names")
      ),
      team: teamOption,
      batch: Options.integer("batch").pipe(
        Options.withDescription("Rows per INSERT statement"),
        Options.withDefault(5_000)
      ),
      noEvents: Options.boolean("no-events").pipe(
        Options.withDescription("Write no contact.created events (no webhooks) for the imported contacts")
      )
    },
    (args) =>
      Effect.gen(function* () {
        if (args.batch < 1 || args.batch > 50_000)
          return yield* new ValidationFailed({ message: "--batch takes 1 to 50000 rows" })
        const teamId = yield* resolveTeam(args.team)
        const { records, progress } = yield* openContactCsv(args.file)
        const startedAt = Date.now()
        const bar = progressReporter(progress, startedAt)
        const summary = yield* ImportContactCsv(asOperator(teamId), records, {
          batch: args.batch,
          events: !args.noEvents,
          onBatch: bar.report
        }).pipe(
          Effect.ensuring(bar.end()),
          Effect.catchTag("ValidationFailed", (e) =>
            Effect.fail(new ValidationFailed({ message: `${e.message}; nothing was imported` }))
          )
        )
        yield* printSummary(args.file, teamId, summary, (Date.now() - startedAt) / 1000)
      })
  ).pipe(Command.withDescription("Import contacts from a CSV file (streamed; skips addresses the team has)"))
