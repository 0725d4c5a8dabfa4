import type { SignupFormView } from "@poststack/contract"
import type { SegmentPublicId, SignupFormPublicId } from "@poststack/domain"
import { useState } from "react"
import { call } from "../api"
import { useSession } from "../session"
import { embedSnippet } from "../snippet"
import { ErrorMessage, Field, Form, PageTitle, Select, formatDate, useAction } from "../ui"
import { useLoad } from "../useLoad"

type FieldInput = SignupFormView["fields"][number]

const EMAIL: FieldInput = { name: "email", type: "email", label: "Email", required: true }
const FIRST: FieldInput = { name: "first_name", type: "text", label: "First name", required: false }
const LAST: FieldInput = { name: "last_name", type: "text", label: "Last name", required: false }

const Check = (props: {
  readonly label: string
  readonly checked: boolean
  readonly onChange: (checked: boolean) => void
}) => (
  <div className="field field-check">
    <label>
      <input type="checkbox" checked={props.checked} onChange={(e) => props.onChange(e.target.checked)} />{" "}
      {props.label}
    </label>
  </div>
)

/** The HTML to paste into a site, with a button that copies it. */
const Embed = ({ form }: { readonly form: SignupFormView }) => {
  const [copied, setCopied] = useState(false)
  const snippet = embedSnippet(form, window.location.origin)
  return (
    <div className="embed" id={`embed-${form.id}`}>
      <h4>Embed on your site</h4>
      <p className="hint">
        Paste this where the form should appear. Submissions get a confirmation mail; only confirmed addresses
        become subscribed contacts.
      </p>
      <label htmlFor={`snippet-${form.id}`} className="visually-hidden">
        Embed code for {form.name}
      </label>
      <textarea id={`snippet-${form.id}`} readOnly rows={16} value={snippet} spellCheck={false} />
      <button
        type="button"
        onClick={() => {
          void navigator.clipboard?.writeText(snippet).then(() => setCopied(true))
        }}
      >
        {copied ? "Copied" : "Copy snippet"}
      </button>
    </div>
  )
}

const Edit = ({
  form,
  onSaved
}: {
  readonly form: SignupFormView
  readonly onSaved: () => Promise<void>
}) => {
  const [name, setName] = useState(form.name)
  const [message, setMessage] = useState(form.successMessage ?? "")
  const [redirect, setRedirect] = useState(form.redirectUrl ?? "")
  const [active, setActive] = useState(form.active)
  const save = async () => {
    await call((api) =>
      api.signupForms.update({
        path: { id: form.publicId as SignupFormPublicId },
        payload: {
          name,
          successMessage: message === "" ? null : message,
          redirectUrl: redirect === "" ? null : redirect,
          active
        }
      })
    )
    await onSaved()
  }
  return (
    <Form label={`Edit ${form.name}`} submit="Save changes" action={save} className="edit-form">
      <Field label="Name" name="name" required maxLength={200} value={name} onChange={setName} />
      <Field
        label="Success message"
        name="success_message"
        maxLength={1000}
        value={message}
        onChange={setMessage}
      />
      <Field label="Redirect URL" name="redirect_url" type="url" value={redirect} onChange={setRedirect} />
      <Check label="Active: accepts submissions" checked={active} onChange={setActive} />
    </Form>
  )
}

export const SignupFormsPage = () => {
  const { info } = useSession()
  const forms = useLoad(() => call((api) => api.signupForms.list({ urlParams: { page: 1, perPage: 100 } })))
  // Chosen by name: a form adds to a segment kept by hand (a rule segment decides its own members).
  const segments = useLoad(() => call((api) => api.segments.list()))
  const topics = useLoad(() => call((api) => api.subscriptionTopics.list()))
  const [name, setName] = useState("")
  const [first, setFirst] = useState(true)
  const [last, setLast] = useState(false)
  const [message, setMessage] = useState("")
  const [redirect, setRedirect] = useState("")
  const [segment, setSegment] = useState("")
  const [topic, setTopic] = useState("")
  const [open, setOpen] = useState<{ readonly id: number; readonly panel: "edit" | "embed" } | undefined>()
  const acting = useAction()

  const create = async () => {
    const created = await call((api) =>
      api.signupForms.create({
        payload: {
          name,
          fields: [EMAIL, ...(first ? [FIRST] : []), ...(last ? [LAST] : [])],
          ...(message === "" ? {} : { successMessage: message }),
          ...(redirect === "" ? {} : { redirectUrl: redirect }),
          ...(segment === "" ? {} : { segmentId: segment as SegmentPublicId }),
          ...(topic === "" ? {} : { topicId: topic })
        }
      })
    )
    setName("")
    setMessage("")
    setRedirect("")
    setOpen({ id: created.signupForm.id, panel: "embed" })
    await forms.reload()
  }
  const remove = (form: SignupFormView) =>
    acting.run(async () => {
      await call((api) => api.signupForms.delete({ path: { id: form.publicId as SignupFormPublicId } }))
      await forms.reload()
    })
  const toggle = (id: number, panel: "edit" | "embed") =>
    setOpen(open?.id === id && open.panel === panel ? undefined : { id, panel })

  return (
    <section>
      <PageTitle>Signup forms</PageTitle>
      <p className="lead">
        Forms for your own site that turn visitors into contacts, after they confirm their address by mail.
      </p>
      {info.systemMail ? null : (
        <p className="alert alert-error" role="alert">
          This server sends no confirmation mail yet, so no visitor can confirm: a submission is kept but
          never becomes a contact. Ask its operator to set <code>POSTSTACK_SYSTEM_FROM</code> to an address on
          a verified domain.
        </p>
      )}
      <Form
        label="New signup form"
        heading="New signup form"
        submit="Create form"
        action={create}
        className="card"
      >
        <Field label="Form name" name="name" required maxLength={200} value={name} onChange={setName} />
        <Check label="Ask for the first name" checked={first} onChange={setFirst} />
        <Check label="Ask for the last name" checked={last} onChange={setLast} />
        <Field
          label="Success message"
          name="success_message"
          maxLength={1000}
          hint="Shown after submitting; a default asks to check the inbox."
          value={message}
          onChange={setMessage}
        />
        <Field
          label="Redirect URL"
          name="redirect_url"
          type="url"
          hint="Optional: where the visitor goes after submitting."
          value={redirect}
          onChange={setRedirect}
        />
        <Select
          label="Add to segment"
          name="segment_id"
          value={segment}
          options={[
            ["", "No segment"],
            ...(segments.data?.segments ?? [])
              .filter((s) => s.rules === null)
              .map((s) => [s.publicId, s.name] as const)
          ]}
          onChange={setSegment}
        />
        <Select
          label="Topic"
          name="topic_id"
          value={topic}
          options={[
            ["", "No topic"],
            ...(topics.data?.topics ?? []).map((t) => [t.publicId, t.name] as const)
          ]}
          onChange={setTopic}
        />
      </Form>
      <h2>Your forms</h2>
      <ErrorMessage problem={forms.problem ?? acting.problem} />
      {forms.data === undefined ? (
        <p role="status">Loading…</p>
      ) : forms.data.data.length === 0 ? (
        <p>No signup forms yet.</p>
      ) : (
        <ul className="domain-list">
          {forms.data.data.map((form) => (
            <li key={form.id} className="card" aria-label={form.name}>
              <div className="domain-head">
                <h3>{form.name}</h3>
                <span className={`badge ${form.active ? "badge-verified" : "badge-pending"}`}>
                  {form.active ? "Active" : "Inactive"}
                </span>
                <span className="muted">
                  {form.submissionCount} submission{form.submissionCount === 1 ? "" : "s"} · created{" "}
                  {formatDate(form.createdAt, info.user.timeZone)}
                </span>
                <div className="domain-actions">
                  <button
                    type="button"
                    aria-expanded={open?.id === form.id && open.panel === "edit"}
                    onClick={() => toggle(form.id, "edit")}
                  >
                    Edit
                  </button>
                  <button
                    type="button"
                    aria-expanded={open?.id === form.id && open.panel === "embed"}
                    aria-controls={`embed-${form.id}`}
                    onClick={() => toggle(form.id, "embed")}
                  >
                    Embed code
                  </button>
                  <button type="button" className="danger" onClick={() => void remove(form)}>
                    Delete
                  </button>
                </div>
              </div>
              {open?.id !== form.id ? null : open.panel === "embed" ? (
                <Embed form={form} />
              ) : (
                <Edit
                  form={form}
                  onSaved={async () => {
                    setOpen(undefined)
                    await forms.reload()
                  }}
                />
              )}
            </li>
          ))}
        </ul>
      )}
    </section>
  )
}
