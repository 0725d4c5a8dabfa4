import { createReadStream } from "node:fs"
import { stat } from "node:fs/promises"
import type { CsvRecord } from "@poststack/application"
import { ValidationFailed } from "@poststack/domain"
import { parse } from "csv-parse"
import { Effect, Stream } from "effect"

/** The largest cell csv-parse will build: a stray quote must not make one cell of the whole file. */
const MAX_RECORD_BYTES = 1_000_000

const count = (cells: ReadonlyArray<string>, pattern: RegExp) =>
  cells.reduce((n, cell) => n + (cell.match(pattern)?.length ?? 0), 0)

/** A CSV file as records, read as it is consumed; `bytesRead` follows the reader for a progress bar. */
export const openContactCsv = (path: string) =>
  Effect.gen(function* () {
    const size = yield* Effect.tryPromise({
      try: () => stat(path),
      catch: (e) =>
        new ValidationFailed({ message: `cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? e}` })
    })
    if (!size.isFile()) return yield* new ValidationFailed({ message: `${path} is not a file` })
    const progress = { bytesRead: 0, size: size.size }
    const records = Stream.suspend(() => {
      const file = createReadStream(path)
      file.on("data", (chunk) => {
        progress.bytesRead += chunk.length
      })
      const parser = file.pipe(
        parse({
          bom: true,
          info: true,
          relax_column_count: true,
          skip_empty_lines: true,
          max_record_size: MAX_RECORD_BYTES
        })
      )
      // A file that cannot be read stops the parser too.
      file.on("error", (e) => parser.destroy(e))
      // Records are handed on in arrays: a stream pull per record costs more than parsing it.
      const batches = async function* () {
        let batch: Array<{ info: { lines: number }; record: Array<string> }> = []
        for await (const r of parser) {
          batch.push(r)
          if (batch.length >= 1_000) {
            yield batch
            batch = []
          }
        }
        if (batch.length > 0) yield batch
      }
      return Stream.fromAsyncIterable(batches(), (e) => {
        const error = e as Error & { code?: string; lines?: number }
        return new ValidationFailed({
          message:
            error.lines !== undefined
              ? `line ${error.lines}: ${error.message.replace(/ at line \d+.*$/, "")}`
              : `cannot read ${path}: ${error.code ?? error.message}`
        })
      }).pipe(
        Stream.mapConcat((batch) => batch),
        // A quoted cell may span lines: a record is named by the line it starts on. csv-parse's line
        // count takes a CRLF inside quotes for two lines (from then on), so those are taken off.
        Stream.mapAccum(0, (extra, { info, record }): [number, CsvRecord] => {
          const seen = extra + count(record, /\r\n/g)
          const end = info.lines - seen
          return [seen, { line: end - count(record, /\r\n|\r|\n/g), cells: record }]
        }),
        Stream.ensuring(Effect.sync(() => file.destroy()))
      )
    })
    return { records, progress }
  })
