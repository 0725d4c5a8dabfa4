import { SqlClient } from "@effect/sql"
import { SqlError } from "@effect/sql/SqlError"
import { Effect, Option } from "effect"
import type pg from "pg"

/**
 * `COPY ... FROM STDIN` through node-postgres, which has the protocol messages but no API for
 * them: a submittable query that answers the server's CopyInResponse with the payload and then
 * CopyDone. The payload is one batch in COPY's text format (tab-separated, `\N` for NULL; see
 * `copyText`), so flow control is the socket's own buffering of that batch.
 */
class CopyIn {
  callback: ((error: Error | null, rows: number) => void) | undefined
  private rows = 0
  private done = false
  constructor(
    readonly text: string,
    private readonly payload: string
  ) {}
  submit(connection: CopyConnection) {
    connection.query(this.text)
  }
  handleCopyInResponse(connection: CopyConnection) {
    if (this.payload.length > 0) connection.sendCopyFromChunk(Buffer.from(this.payload, "utf8"))
    connection.endCopyFrom()
  }
  handleCommandComplete(message: { text?: string }) {
    this.rows = Number(/\d+$/.exec(message.text ?? "")?.[0] ?? 0)
  }
  handleError(error: Error) {
    this.finish(error)
  }
  handleReadyForQuery() {
    this.finish(null)
  }
  handleEmptyQuery() {}
  handleRowDescription() {}
  handleDataRow() {}
  handlePortalSuspended() {}
  handleCopyData() {}
  private finish(error: Error | null) {
    if (this.done) return
    this.done = true
    this.callback?.(error, this.rows)
  }
}

interface CopyConnection {
  query(text: string): void
  sendCopyFromChunk(chunk: Buffer): void
  endCopyFrom(): void
}

/** The node-postgres client under the current transaction (sql-pg keeps it on the connection). */
const transactionClient = Effect.gen(function* () {
  const tx = yield* Effect.serviceOption(SqlClient.TransactionConnection)
  const client = Option.getOrUndefined(tx)?.[0] as { readonly pg?: pg.PoolClient } | undefined
  if (client?.pg === undefined)
    return yield* Effect.dieMessage("COPY FROM STDIN runs only inside a transaction of the pg client")
  return client.pg
})

/** Runs `COPY <text> FROM STDIN` with `payload` in the current transaction; answers the rows copied. */
export const copyIn = (text: string, payload: string) =>
  Effect.flatMap(transactionClient, (client) =>
    Effect.async<number, SqlError>((resume) => {
      const query = new CopyIn(text, payload)
      query.callback = (error, rows) =>
        resume(
          error === null
            ? Effect.succeed(rows)
            : Effect.fail(new SqlError({ cause: error, message: "Failed to execute statement" }))
        )
      // biome-ignore lint/suspicious/noExplicitAny: node-postgres takes any object with `submit`.
      client.query(query as any)
    })
  )

/** One value as a field of COPY's text format: `\N` for NULL; backslash, tab, CR and LF escaped. */
export const copyField = (value: string | number | null): string =>
  value === null
    ? "\\N"
    : typeof value === "number"
      ? String(value)
      : /[\\\t\n\r]/.test(value)
        ? value.replace(/[\\\t\n\r]/g, (c) =>
            c === "\\" ? "\\\\" : c === "\t" ? "\\t" : c === "\n" ? "\\n" : "\\r"
          )
        : value
