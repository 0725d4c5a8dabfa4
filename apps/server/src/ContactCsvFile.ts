import { createReadStream } from "node:fs"
import { stat } from "node:fs/promises"
import { StringDecoder } from "node:string_decoder"
import type { CsvRecord } from "@poststack/application"
import { CsvSyntaxError, csvParser, type ParsedRecord, ValidationFailed } from "@poststack/domain"
import { Chunk, Effect, Stream } from "effect"

/** The longest record the reader will hold: a stray quote must not make one cell of the whole file. */
const MAX_RECORD_CHARS = 1_000_000

/** Bytes read from the file at a time; the records of one read go on together, as one chunk. */
const READ_BYTES = 256 * 1024

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
      const file = createReadStream(path, { highWaterMark: READ_BYTES })
      // Records are handed on in arrays, one per read: a stream pull per record costs more than
      // parsing it.
      const reads = async function* () {
        const decoder = new StringDecoder("utf8")
        const parser = csvParser(MAX_RECORD_CHARS)
        for await (const chunk of file as AsyncIterable<Buffer>) {
          progress.bytesRead += chunk.length
          const out: Array<ParsedRecord> = []
          parser.push(decoder.write(chunk), out)
          if (out.length > 0) yield out
        }
        const out: Array<ParsedRecord> = []
        parser.push(decoder.end(), out)
        parser.end(out)
        if (out.length > 0) yield out
      }
      return Stream.fromAsyncIterable(reads(), (e) =>
        e instanceof CsvSyntaxError
          ? new ValidationFailed({ message: `line ${e.line}: ${e.message}` })
          : new ValidationFailed({
              message: `cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`
            })
      ).pipe(
        Stream.mapConcatChunk((batch): Chunk.Chunk<CsvRecord> => Chunk.unsafeFromArray(batch)),
        Stream.ensuring(Effect.sync(() => file.destroy()))
      )
    })
    return { records, progress }
  })
