import { contactEvent, type CsvColumns, csvColumns, csvContact, ValidationFailed } from "@poststack/domain"
import { Chunk, Effect, Either, Stream } from "effect"
import { ContactImport } from "../../ports/ContactImport.js"
import { ContactPropertyRepository } from "../../ports/ContactPropertyRepository.js"
import type { NewContact } from "../../ports/ContactRepository.js"
import { authorize, type Principal } from "../Principal.js"

/** One parsed CSV record and the line of the file it came from. */
export interface CsvRecord {
  readonly line: number
  readonly cells: ReadonlyArray<string>
}

/** A line the import did not take, and why. */
export interface CsvRowProblem {
  readonly line: number
  readonly reason: string
}

export interface CsvImportSummary {
  readonly rows: number
  readonly imported: number
  /** Rows whose address the team already had (or an earlier row of the file). */
  readonly skipped: number
  readonly rejected: number
  /** The first rejected rows (at most `MAX_LISTED`), in file order. */
  readonly rejections: ReadonlyArray<CsvRowProblem>
  /** The first skipped rows (at most `MAX_LISTED`), in file order. */
  readonly skippedRows: ReadonlyArray<CsvRowProblem>
}

/** How many rejected or skipped rows a summary lists; the counts always cover them all. */
export const MAX_LISTED = 1_000

export interface CsvImportOptions {
  /** Rows written per statement. */
  readonly batch: number
  /** Whether each added contact writes a `contact.created` event, as the API's import does. */
  readonly events: boolean
  /** Called after each batch with the totals so far. */
  readonly onBatch?: (summary: CsvImportSummary) => Effect.Effect<void>
}

/**
 * Imports a CSV file read as a stream of records, the first being the header. Rows are checked
 * against the team's properties (`csvContact`); a bad row is rejected with its line and the import
 * goes on; a header that does not fit, or a file the reader cannot parse any more, fails the whole
 * import and nothing is kept. The file is never held whole: one batch at a time.
 */
export const ImportContactCsv = Effect.fn("ImportContactCsv")(function* <E>(
  principal: Principal,
  records: Stream.Stream<CsvRecord, E>,
  options: CsvImportOptions
) {
  const { teamId } = yield* authorize(principal, "contacts")
  const definitions = yield* (yield* ContactPropertyRepository).list(teamId)
  const events = options.events
    ? (c: Parameters<typeof contactEvent>[1]) => [contactEvent("contact.created", c)]
    : null
  // Parsing and checking run ahead of the writes by up to `AHEAD` batches (`Stream.buffer`): the
  // next batch is read while the database takes the last one, and memory stays bounded.
  let columns: CsvColumns | undefined
  const checked = Stream.grouped(records, options.batch).pipe(
    Stream.mapEffect((chunk) =>
      Effect.gen(function* () {
        const batch: CheckedBatch = { rows: 0, accepted: [], lines: [], rejected: [] }
        for (const record of Chunk.toReadonlyArray(chunk)) {
          if (columns === undefined) {
            const plan = csvColumns(record.cells, definitions)
            if (Either.isLeft(plan))
              return yield* new ValidationFailed({ message: `line ${record.line}: ${plan.left}` })
            columns = plan.right
            continue
          }
          batch.rows++
          const row = csvContact(columns, record.cells)
          if (Either.isLeft(row)) {
            batch.rejected.push({ line: record.line, reason: row.left })
            continue
          }
          batch.accepted.push({ ...row.right, unsubscribed: false })
          batch.lines.push(record.line)
        }
        return batch
      })
    ),
    Stream.buffer({ capacity: AHEAD })
  )
  return yield* (yield* ContactImport).run(teamId, events, (insert) =>
    Effect.gen(function* () {
      const totals = { rows: 0, imported: 0, skipped: 0, rejected: 0 }
      const rejections: Array<CsvRowProblem> = []
      const skippedRows: Array<CsvRowProblem> = []
      const summary = (): CsvImportSummary => ({ ...totals, rejections, skippedRows })
      yield* Stream.runForEach(checked, (batch) =>
        Effect.gen(function* () {
          totals.rows += batch.rows
          totals.rejected += batch.rejected.length
          for (const r of batch.rejected) if (rejections.length < MAX_LISTED) rejections.push(r)
          const { accepted, lines } = batch
          if (accepted.length > 0) {
            const written = yield* insert(accepted)
            totals.imported += written.imported
            totals.skipped += written.skipped.length
            for (const i of written.skipped)
              if (skippedRows.length < MAX_LISTED)
                skippedRows.push({
                  line: lines[i] ?? 0,
                  reason: `${accepted[i]?.email}: the team has it already, or an earlier line`
                })
          }
          if (options.onBatch !== undefined) yield* options.onBatch(summary())
        })
      )
      if (columns === undefined)
        return yield* new ValidationFailed({ message: "the file is empty: no header row" })
      return summary()
    })
  )
})

/** One batch of the file, checked: how many rows it held, those to write, and those rejected. */
interface CheckedBatch {
  rows: number
  readonly accepted: Array<NewContact>
  readonly lines: Array<number>
  readonly rejected: Array<CsvRowProblem>
}

/** How many checked batches may wait for the database. */
const AHEAD = 2
