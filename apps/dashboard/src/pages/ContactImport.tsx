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
  readonly errors: ReadonlyArray<string>
}

/** JSON import from a pasted text or a chosen file, in chunks, with a progress bar and a summary. */
export const ContactImport = ({ onImported }: { readonly onImported: () => void }) => {
  const [text, setText] = useState("")
  const [progress, setProgress] = useState<Progress | undefined>()
  const [busy, setBusy] = useState(false)
  const [problem, setProblem] = useState<ApiProblem | undefined>()

  const run = async () => {
    setProblem(undefined)
    setBusy(true)
    try {
      const rows = parseRows(text)
      let state: Progress = { done: 0, total: rows.length, imported: 0, skipped: 0, errors: [] }
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
          total: rows.length,
          imported: state.imported + result.imported,
          skipped: state.skipped + result.skipped,
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
        Paste JSON or choose a .json file: a list like{" "}
        <code>
          [{"{"}"email": "ann@example.com", "first_name": "Ann"{"}"}]
        </code>
        . Addresses you already have are skipped, not changed.
      </p>
      <ErrorMessage problem={problem} />
      <div className="field">
        <label htmlFor="import-file">JSON file</label>
        <input
          id="import-file"
          name="file"
          type="file"
          accept="application/json,.json"
          onChange={(event) => {
            const file = event.target.files?.[0]
            if (file !== undefined) void file.text().then(setText)
          }}
        />
      </div>
      <div className="field">
        <label htmlFor="import-json">Contacts (JSON)</label>
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
            {progress.errors.length === 0 ? "" : `, ${progress.errors.length} rejected`}.
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
