import type { ContactView } from "@poststack/contract"
import type { ContactPublicId } from "@poststack/domain"
import { useEffect, useState } from "react"
import { call } from "../api"
import { useSession } from "../session"
import { ErrorMessage, Field, Form, PageTitle, Select, formatDate, useAction } from "../ui"
import { ListTable } from "../ListTable"
import { ContactImport } from "./ContactImport"

const PER_PAGE = 25

/** A search's total is counted up to this many matches; the server says this when more match. */
const SEARCH_TOTAL_BOUND = 1_000

const FILTERS = [
  ["all", "Everyone"],
  ["false", "Subscribed"],
  ["true", "Unsubscribed"]
] as const

/** Edits one contact's names, consent and property values (as JSON, checked by the server). */
const EditContact = ({ contact, onDone }: { readonly contact: ContactView; readonly onDone: () => void }) => {
  const [firstName, setFirstName] = useState(contact.firstName ?? "")
  const [lastName, setLastName] = useState(contact.lastName ?? "")
  const [unsubscribed, setUnsubscribed] = useState(contact.unsubscribed)
  const [properties, setProperties] = useState(JSON.stringify(contact.properties ?? {}, null, 2))
  const save = async () => {
    let values: Record<string, unknown>
    try {
      values = JSON.parse(properties) as Record<string, unknown>
    } catch {
      throw new Error('Properties must be a JSON object, for example {"plan": "pro"}')
    }
    await call((api) =>
      api.contacts.update({
        path: { id: contact.publicId as ContactPublicId },
        payload: {
          firstName: firstName === "" ? null : firstName,
          lastName: lastName === "" ? null : lastName,
          unsubscribed,
          properties: values
        }
      })
    )
    onDone()
  }
  return (
    <Form
      label={`Edit ${contact.email}`}
      heading={`Edit ${contact.email}`}
      submit="Save contact"
      action={save}
      className="card"
    >
      <Field label="First name" name="first_name" maxLength={200} value={firstName} onChange={setFirstName} />
      <Field label="Last name" name="last_name" maxLength={200} value={lastName} onChange={setLastName} />
      <div className="field">
        <label>
          <input
            type="checkbox"
            name="unsubscribed"
            checked={unsubscribed}
            onChange={(e) => setUnsubscribed(e.target.checked)}
          />{" "}
          Unsubscribed from all marketing mail
        </label>
      </div>
      <div className="field">
        <label htmlFor="contact-properties">Properties (JSON)</label>
        <textarea
          id="contact-properties"
          name="properties"
          rows={4}
          value={properties}
          onChange={(e) => setProperties(e.target.value)}
        />
      </div>
      <button type="button" onClick={onDone}>
        Cancel
      </button>
    </Form>
  )
}

/** Downloads the team's contacts as CSV, made by the server. */
const downloadCsv = async () => {
  const csv = await call((api) => api.contacts.export({ urlParams: {} }))
  const url = URL.createObjectURL(new Blob([csv], { type: "text/csv" }))
  const link = document.createElement("a")
  link.href = url
  link.download = "contacts.csv"
  document.body.append(link)
  link.click()
  link.remove()
  setTimeout(() => URL.revokeObjectURL(url), 10_000)
}

interface Query {
  readonly search: string
  readonly filter: "all" | "true" | "false"
  readonly page: number
}

const list = (q: Query) =>
  call((api) =>
    api.contacts.list({
      urlParams: {
        page: q.page,
        perPage: PER_PAGE,
        ...(q.search === "" ? {} : { search: q.search }),
        ...(q.filter === "all" ? {} : { unsubscribed: q.filter })
      }
    })
  )

export const ContactsPage = () => {
  const { info } = useSession()
  const [search, setSearch] = useState("")
  const [filter, setFilter] = useState<"all" | "true" | "false">("all")
  const [page, setPage] = useState(1)
  const [editing, setEditing] = useState<ContactView | undefined>()
  const [query, setQuery] = useState<Query>({ search: "", filter: "all", page: 1 })
  const acting = useAction()
  const [data, setData] = useState<Awaited<ReturnType<typeof list>> | undefined>()
  // The search the shown page answers (`query` changes as soon as a new one is asked for).
  const [shownSearch, setShownSearch] = useState("")
  const refresh = (next: Query) =>
    acting.run(async () => {
      setQuery(next)
      setPage(next.page)
      const answer = await list(next)
      setShownSearch(next.search)
      setData(answer)
    })
  // biome-ignore lint/correctness/useExhaustiveDependencies: the first page loads once; later pages on request.
  useEffect(() => {
    void refresh(query)
  }, [])
  // At the bound, at least that many match: the count and the last page are shown as open-ended.
  const bounded = data !== undefined && shownSearch !== "" && data.meta.total >= SEARCH_TOTAL_BOUND

  return (
    <section>
      <PageTitle>Contacts</PageTitle>
      <p className="lead">The people your marketing mail goes to.</p>
      <form
        aria-label="Find contacts"
        className="card inline-form"
        onSubmit={(event) => {
          event.preventDefault()
          void refresh({ search, filter, page: 1 })
        }}
      >
        <Field
          label="Search"
          name="search"
          hint="Part of an address or a name"
          value={search}
          onChange={setSearch}
        />
        <Select
          label="Show"
          name="unsubscribed"
          value={filter}
          options={FILTERS}
          onChange={(value) => {
            const next = value as typeof filter
            setFilter(next)
            void refresh({ search, filter: next, page: 1 })
          }}
        />
        <button type="submit" className="primary">
          Search
        </button>
        <button type="button" onClick={() => void acting.run(downloadCsv)}>
          Export CSV
        </button>
      </form>
      <ErrorMessage problem={acting.problem} />
      {editing === undefined ? null : (
        <EditContact
          key={editing.publicId}
          contact={editing}
          onDone={() => {
            setEditing(undefined)
            void refresh(query)
          }}
        />
      )}
      {data === undefined ? (
        <p role="status">Loading…</p>
      ) : data.data.length === 0 ? (
        <p>
          {shownSearch === "" && filter === "all"
            ? "No contacts yet: import a CSV or JSON file below."
            : "No contacts match."}
        </p>
      ) : (
        <>
          <ListTable
            caption={
              bounded
                ? `${SEARCH_TOTAL_BOUND.toLocaleString("en-US")}+ contacts`
                : `${data.meta.total} contact${data.meta.total === 1 ? "" : "s"}`
            }
            columns={["Email", "Name", "Status", "Added"]}
            actions
          >
            {data.data.map((c) => (
              <tr key={c.publicId}>
                <td>{c.email}</td>
                <td>{[c.firstName, c.lastName].filter((n) => n !== null).join(" ")}</td>
                <td>
                  {c.unsubscribed ? (
                    <span className="badge badge-failed">
                      Unsubscribed
                      {c.suppressionReason === null ? "" : ` (${c.suppressionReason.replace("_", " ")})`}
                    </span>
                  ) : (
                    <span className="badge badge-verified">Subscribed</span>
                  )}
                </td>
                <td>{formatDate(c.createdAt, info.user.timeZone)}</td>
                <td>
                  <button type="button" onClick={() => setEditing(c)} aria-label={`Edit ${c.email}`}>
                    Edit
                  </button>
                </td>
              </tr>
            ))}
          </ListTable>
          <div className="actions">
            <button
              type="button"
              disabled={page <= 1}
              onClick={() => void refresh({ ...query, page: page - 1 })}
            >
              Previous page
            </button>
            <span>
              Page {data.meta.page} of {Math.max(1, data.meta.totalPages)}
              {bounded ? "+" : ""}
            </span>
            <button
              type="button"
              disabled={page >= data.meta.totalPages && !(bounded && data.data.length === PER_PAGE)}
              onClick={() => void refresh({ ...query, page: page + 1 })}
            >
              Next page
            </button>
          </div>
        </>
      )}
      <ContactImport onImported={() => void refresh(query)} />
    </section>
  )
}
