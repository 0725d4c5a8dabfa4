import type { SegmentView } from "@poststack/contract"
import type { ContactPublicId, SegmentPublicId, SegmentRules } from "@poststack/domain"
import { useEffect, useState } from "react"
import { call } from "../api"
import { useSession } from "../session"
import { ErrorMessage, Field, Form, PageTitle, Select, formatDate, useAction } from "../ui"
import { ListTable, Loaded } from "../ListTable"
import { useLoad } from "../useLoad"
import { RuleBuilder } from "./RuleBuilder"

const PER_PAGE = 20

/** One segment's members, a page at a time; a manual segment also takes a contact by address. */
const Members = ({
  segment,
  onChanged
}: {
  readonly segment: SegmentView
  readonly onChanged: () => void
}) => {
  const id = segment.publicId as SegmentPublicId
  const [page, setPage] = useState(1)
  const [data, setData] = useState<Awaited<ReturnType<typeof load>> | undefined>()
  const [email, setEmail] = useState("")
  const loading = useAction()
  const load = (at: number) =>
    call((api) => api.segments.members({ path: { id }, urlParams: { page: at, perPage: PER_PAGE } }))
  const show = (at: number) =>
    loading.run(async () => {
      setData(await load(at))
      setPage(at)
    })
  // biome-ignore lint/correctness/useExhaustiveDependencies: the first page, once per segment.
  useEffect(() => {
    void show(1)
  }, [])
  const add = async () => {
    const { contact } = await call((api) => api.contacts.getByEmail({ path: { email } }))
    await call((api) =>
      api.segments.addContacts({
        path: { id },
        payload: { contactIds: [contact.publicId as ContactPublicId] }
      })
    )
    setEmail("")
    setData(await load(page))
    onChanged()
  }
  return (
    <section className="card" aria-label={`Members of ${segment.name}`}>
      <h2>Members of “{segment.name}”</h2>
      {segment.rules === null ? (
        <Form label="Add a contact" submit="Add contact" action={add} className="inline-form">
          <Field
            label="Contact's email"
            name="member-email"
            type="email"
            required
            value={email}
            onChange={setEmail}
          />
        </Form>
      ) : (
        <p className="hint">Members follow the rules: whoever matches them now.</p>
      )}
      <ErrorMessage problem={loading.problem} />
      {data === undefined ? (
        <p role="status">Loading…</p>
      ) : data.data.length === 0 ? (
        <p>No members.</p>
      ) : (
        <>
          <ul aria-label="Members">
            {data.data.map((c) => (
              <li key={c.publicId}>
                {c.email}
                {c.firstName === null ? "" : ` (${[c.firstName, c.lastName ?? ""].join(" ").trim()})`}
              </li>
            ))}
          </ul>
          <p>
            Page {data.meta.page} of {Math.max(1, data.meta.totalPages)} ({data.meta.total} members)
          </p>
          <div className="actions">
            <button type="button" disabled={page <= 1} onClick={() => void show(page - 1)}>
              Previous page
            </button>
            <button type="button" disabled={page >= data.meta.totalPages} onClick={() => void show(page + 1)}>
              Next page
            </button>
          </div>
        </>
      )}
    </section>
  )
}

export const SegmentsPage = () => {
  const { info } = useSession()
  const segments = useLoad(() => call((api) => api.segments.list()))
  const properties = useLoad(() => call((api) => api.contactProperties.list()))
  const [name, setName] = useState("")
  const [kind, setKind] = useState<"manual" | "rules">("manual")
  const [rules, setRules] = useState<SegmentRules | undefined>()
  const [open, setOpen] = useState<SegmentView | undefined>()
  const deleting = useAction()

  const create = async () => {
    const { segment } = await call((api) =>
      api.segments.create({ payload: { name, rules: kind === "rules" ? (rules ?? null) : null } })
    )
    setName("")
    setKind("manual")
    await segments.reload()
    setOpen(segment)
  }
  const remove = (segment: SegmentView) =>
    deleting.run(async () => {
      if (!window.confirm(`Delete the segment “${segment.name}”? Its contacts are kept.`)) return
      await call((api) => api.segments.delete({ path: { id: segment.publicId as SegmentPublicId } }))
      if (open?.publicId === segment.publicId) setOpen(undefined)
      await segments.reload()
    })

  return (
    <section>
      <PageTitle>Segments</PageTitle>
      <p className="lead">Parts of your audience: a list you keep by hand, or everyone matching rules.</p>
      <Form
        label="Create a segment"
        submit="Create segment"
        action={create}
        className="card"
        heading="Create a segment"
      >
        <Field label="Segment name" name="name" required maxLength={200} value={name} onChange={setName} />
        <Select
          label="Kind"
          name="kind"
          value={kind}
          options={[
            ["manual", "Manual: contacts you add"],
            ["rules", "Rules: contacts matching conditions"]
          ]}
          onChange={(v) => setKind(v as "manual" | "rules")}
        />
        {kind === "rules" ? (
          <RuleBuilder
            propertyNames={properties.data?.properties.map((p) => p.name) ?? []}
            onChange={setRules}
          />
        ) : null}
      </Form>
      <h2>Your segments</h2>
      <ErrorMessage problem={segments.problem ?? deleting.problem} />
      <Loaded items={segments.data?.segments} empty="No segments yet.">
        {(rows) => (
          <ListTable
            caption="Segments"
            hiddenCaption
            columns={["Name", "Kind", "Contacts", "Created"]}
            actions
          >
            {rows.map((s) => (
              <tr key={s.publicId}>
                <th scope="row">{s.name}</th>
                <td>{s.rules === null ? "Manual" : `Rules (${s.rules.conditions.length})`}</td>
                <td>{s.countUnavailable ? "unavailable" : s.contactCount}</td>
                <td>{formatDate(s.createdAt, info.user.timeZone)}</td>
                <td className="row-actions">
                  <button type="button" onClick={() => setOpen(s)} aria-label={`Members of ${s.name}`}>
                    Members
                  </button>
                  <button
                    type="button"
                    className="danger"
                    onClick={() => void remove(s)}
                    aria-label={`Delete ${s.name}`}
                  >
                    Delete
                  </button>
                </td>
              </tr>
            ))}
          </ListTable>
        )}
      </Loaded>
      {open === undefined ? null : (
        <Members key={open.publicId} segment={open} onChanged={() => void segments.reload()} />
      )}
    </section>
  )
}
