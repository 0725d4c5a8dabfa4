import {
  ContactProperty,
  CsvSyntaxError,
  csvColumns,
  csvContact,
  csvParser,
  type ParsedRecord
} from "@poststack/domain"
import { Either } from "effect"
import { useState } from "react"
import { ApiProblem, call } from "../api"
import { ErrorMessage } from "../ui"

/** Rows sent per request, so progress shows and no request nears the server's limits. */
const CHUNK = 500

interface Row {
  readonly email: string
  readonly first_name?: string | null
  readonly last_name?: string | null
  readonly properties?: Record<string, unknown> | null
}

/** The longest CSV record the reader holds: a stray quote must not make one cell of the whole file. */
const MAX_RECORD_CHARS = 1_000_000

/** What a file or pasted text gives: contacts to send, and the lines refused before sending. */
interface Parsed {
  readonly rows: ReadonlyArray<Row>
  readonly rejected: ReadonlyArray<string>
}

const invalid = (message: string) => new ApiProblem("invalid_request", message, undefined)

/** JSON when it opens with `[` or `{`; anything else is read as CSV with a header row. */
const isJson = (text: string) => /^\s*[[{]/.test(text)

/**
 * Reads CSV as the operator's `contacts import` does: a header row naming `email`, `first_name`,
 * `last_name` and the team's properties (any other column refuses the file, so a misspelt property
 * is not dropped), cells checked against each property's type. A bad row is listed with its line
 * and the rest go on.
 */
export const parseCsv = (text: string, properties: ReadonlyArray<ContactProperty>): Parsed => {
  const records: Array<ParsedRecord> = []
  try {
    const parser = csvParser(MAX_RECORD_CHARS)
    parser.push(text, records)
    parser.end(records)
  } catch (error) {
    if (error instanceof CsvSyntaxError) throw invalid(`Line ${error.line}: ${error.message}`)
    throw error
  }
  const [header, ...data] = records
  if (header === undefined) throw invalid("The file is empty: no header row.")
  const columns = csvColumns(header.cells, properties)
  if (Either.isLeft(columns)) throw invalid(`Line ${header.line}: ${columns.left}.`)
  if (data.length === 0) throw invalid("The file has a header row but no contacts.")
  const rows: Array<Row> = []
  const rejected: Array<string> = []
  for (const record of data) {
    const contact = csvContact(columns.right, record.cells)
    if (Either.isLeft(contact)) rejected.push(`line ${record.line}: ${contact.left}`)
    else
      rows.push({
        email: contact.right.email,
        first_name: contact.right.firstName,
        last_name: contact.right.lastName,
        properties: contact.right.properties
      })
  }
  return { rows, rejected }
}

/** The team's properties as the CSV reader checks cells against them. */
const teamProperties = async (): Promise<ReadonlyArray<ContactProperty>> => {
  const { properties } = await call((api) => api.contactProperties.list())
  return properties.map(
    (p) =>
      new ContactProperty({ ...p, id: p.id as ContactProperty["id"], teamId: 0, options: p.options ?? null })
  )
}

/** Reads pasted or uploaded JSON: an array of contacts, or `{contacts: [...]}` as the API takes it. */
export const parseRows = (text: string): ReadonlyArray<Row> => {
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    throw new ApiProblem("invalid_request", "The file is not valid JSON.", undefined)
  }
  const rows = Array.isArray(parsed) ? parsed : (parsed as { contacts?: unknown } | null)?.contacts
  if (!Array.isArray(rows) || rows.length === 0)
    throw new ApiProblem("invalid_request", "Expected a list of contacts, each with an email.", undefined)
  rows.forEach((row, i) => {
    if (typeof row !== "object" || row === null || typeof (row as Row).email !== "string")
      throw new ApiProblem("invalid_request", `Contact ${i + 1} has no email.`, undefined)
  })
  return rows as ReadonlyArray<Row>
}

interface Progress {
  readonly done: number
  readonly total: number
  readonly imported: number
  readonly skipped: number
  readonly rejected: number
  /** The first rejected rows and why (at most 100 listed). */
  readonly errors: ReadonlyArray<string>
}

/** CSV or JSON import from a pasted text or a chosen file, in chunks, with a progress bar and a summary. */
export const ContactImport = ({ onImported }: { readonly onImported: () => void }) => {
  const [text, setText] = useState("")
  const [progress, setProgress] = useState<Progress | undefined>()
  const [busy, setBusy] = useState(false)
  const [problem, setProblem] = useState<ApiProblem | undefined>()

  const run = async () => {
    setProblem(undefined)
    // The last import's summary would read as this one's beside a refusal of this file.
    setProgress(undefined)
    setBusy(true)
    try {
      const { rows, rejected } = isJson(text)
        ? { rows: parseRows(text), rejected: [] }
        : parseCsv(text, await teamProperties())
      const total = rows.length + rejected.length
      let state: Progress = {
        done: rejected.length,
        total,
        imported: 0,
        skipped: 0,
        rejected: rejected.length,
        errors: rejected.slice(0, 100)
      }
      setProgress(state)
      for (let at = 0; at < rows.length; at += CHUNK) {
        const chunk = rows.slice(at, at + CHUNK).map((r) => ({
          email: r.email,
          ...(r.first_name === undefined ? {} : { firstName: r.first_name }),
          ...(r.last_name === undefined ? {} : { lastName: r.last_name }),
          ...(r.properties === undefined ? {} : { properties: r.properties })
        }))
        const result = await call((api) => api.contacts.import({ payload: { contacts: chunk } }))
        state = {
          done: state.done + chunk.length,
          total,
          imported: state.imported + result.imported,
          skipped: state.skipped + result.skipped,
          rejected: state.rejected + result.errors.length,
          errors: [...state.errors, ...result.errors].slice(0, 100)
        }
        setProgress(state)
      }
      onImported()
    } catch (error) {
      setProblem(
        error instanceof ApiProblem ? error : new ApiProblem("internal_error", String(error), undefined)
      )
    } finally {
      setBusy(false)
    }
  }

  return (
    <form
      aria-label="Import contacts"
      className="card"
      onSubmit={(event) => {
        event.preventDefault()
        void run()
      }}
    >
      <h2>Import contacts</h2>
      <p className="hint">
        Choose a CSV or JSON file, or paste one. CSV: a header row with <code>email</code> and any of{" "}
        <code>first_name</code>, <code>last_name</code> and your properties' names (an export from here
        imports as it is). JSON: a list like{" "}
        <code>
          [{"{"}"email": "ann@example.com", "first_name": "Ann"{"}"}]
        </code>
        . Addresses you already have are skipped, not changed.
      </p>
      <ErrorMessage problem={problem} />
      <div className="field">
        <label htmlFor="import-file">File</label>
        <input
          id="import-file"
          name="file"
          type="file"
          accept="text/csv,.csv,application/json,.json"
          onChange={(event) => {
            const file = event.target.files?.[0]
            if (file !== undefined) void file.text().then(setText)
          }}
        />
      </div>
      <div className="field">
        <label htmlFor="import-json">Contacts (CSV or JSON)</label>
        <textarea
          id="import-json"
          name="contacts"
          rows={5}
          value={text}
          onChange={(e) => setText(e.target.value)}
        />
      </div>
      <button type="submit" className="primary" disabled={busy || text.trim() === ""} aria-busy={busy}>
        {busy ? "Importing…" : "Import"}
      </button>
      {progress === undefined ? null : (
        <div className="import-progress">
          <label htmlFor="import-bar">
            {progress.done} of {progress.total} processed
          </label>
          <progress id="import-bar" max={progress.total} value={progress.done} />
          <p role="status">
            {busy ? "Importing… " : "Import finished: "}
            {progress.imported} imported, {progress.skipped} skipped
            {progress.rejected === 0 ? "" : `, ${progress.rejected} rejected`}.
          </p>
          {progress.errors.length === 0 ? null : (
            <ul className="import-errors">
              {progress.errors.map((e) => (
                <li key={e}>{e}</li>
              ))}
            </ul>
          )}
        </div>
      )}
    </form>
  )
}
