import type { TemplateView } from "@poststack/contract"
import type { TemplatePublicId } from "@poststack/domain"
import { useEffect, useId, useRef, useState } from "react"
import { ApiProblem, call } from "../api"
import { ErrorMessage, Field, Form, PageTitle, useAction } from "../ui"
import { Loaded } from "../ListTable"
import { MailFrame } from "../MailFrame"
import { useLoad } from "../useLoad"

type Rendered = {
  readonly subject: string
  readonly html: string | null
  readonly text: string | null
  readonly missing_variables: ReadonlyArray<string>
  readonly template_variables: ReadonlyArray<string>
}

const TextArea = (props: {
  readonly label: string
  readonly name: string
  readonly value: string
  readonly rows?: number
  readonly onChange: (value: string) => void
}) => {
  const id = useId()
  return (
    <div className="field">
      <label htmlFor={id}>{props.label}</label>
      <textarea
        id={id}
        name={props.name}
        rows={props.rows ?? 10}
        value={props.value}
        spellCheck={false}
        onChange={(event) => props.onChange(event.target.value)}
      />
    </div>
  )
}

/**
 * The saved template rendered by the server with the sample values typed here. The HTML is shown
 * in a sandboxed frame (no scripts, no same origin), so a template cannot act on the dashboard.
 */
const Preview = ({ template }: { readonly template: TemplateView }) => {
  const [values, setValues] = useState<Record<string, string>>({})
  const [rendered, setRendered] = useState<Rendered | undefined>()
  const [problem, setProblem] = useState<ApiProblem | undefined>()
  useEffect(() => {
    let current = true
    const timer = setTimeout(() => {
      call((api) =>
        api.templates.render({
          path: { id: template.publicId as TemplatePublicId },
          payload: { variables: values }
        })
      )
        .then((r) => {
          if (current) {
            setRendered(r)
            setProblem(undefined)
          }
        })
        .catch((e: unknown) => {
          if (current) setProblem(e instanceof ApiProblem ? e : undefined)
        })
    }, 200)
    return () => {
      current = false
      clearTimeout(timer)
    }
  }, [template, values])
  return (
    <section className="card" aria-label="Preview">
      <h2>Preview</h2>
      <ErrorMessage problem={problem} />
      {(rendered?.template_variables ?? []).map((name) => (
        <Field
          key={name}
          label={`Sample ${name}`}
          name={`sample-${name}`}
          value={values[name] ?? ""}
          onChange={(v) => setValues((old) => ({ ...old, [name]: v }))}
        />
      ))}
      {rendered === undefined ? null : (
        <>
          <p>
            Subject: <strong data-testid="preview-subject">{rendered.subject}</strong>
          </p>
          {rendered.missing_variables.length === 0 ? null : (
            <p className="hint">Missing: {rendered.missing_variables.join(", ")}</p>
          )}
          <MailFrame
            title="Rendered email"
            html={rendered.html ?? `<pre>${(rendered.text ?? "").replaceAll("<", "&lt;")}</pre>`}
          />
        </>
      )}
    </section>
  )
}

/** One template: its fields, save, publish or unpublish, and the preview. */
const Editor = ({
  template,
  onChanged
}: {
  readonly template: TemplateView
  readonly onChanged: (t: TemplateView) => void
}) => {
  const [name, setName] = useState(template.name)
  const [subject, setSubject] = useState(template.subject)
  const [html, setHtml] = useState(template.htmlBody ?? "")
  const [text, setText] = useState(template.textBody ?? "")
  const publishing = useAction()
  const visual = template.builderType === "visual"
  const id = template.publicId as TemplatePublicId
  const save = async () => {
    const { template: saved } = await call((api) =>
      api.templates.update({
        path: { id },
        payload: {
          name,
          subject,
          ...(visual ? {} : { html: html === "" ? null : html }),
          text: text === "" ? null : text
        }
      })
    )
    onChanged(saved)
  }
  const togglePublished = () =>
    publishing.run(async () => {
      const { template: changed } = await call((api) =>
        template.published
          ? api.templates.unpublish({ path: { id } })
          : api.templates.publish({ path: { id } })
      )
      onChanged(changed)
    })
  return (
    <div className="template-editor">
      <Form
        label="Edit template"
        heading={`Edit “${template.name}”`}
        submit="Save"
        action={save}
        className="card"
      >
        <p className="hint">
          {template.published ? "Published" : "Draft"}, version {template.version}. Editing a published
          template makes a new version; mail already sent keeps the one it used.
        </p>
        <Field label="Name" name="name" required maxLength={200} value={name} onChange={setName} />
        <Field
          label="Subject"
          name="subject"
          required
          maxLength={998}
          value={subject}
          onChange={setSubject}
        />
        {visual ? (
          <p className="hint">Built with visual blocks: the HTML is compiled from them.</p>
        ) : (
          <TextArea label="HTML body" name="html" value={html} onChange={setHtml} />
        )}
        <TextArea label="Text body" name="text" rows={5} value={text} onChange={setText} />
      </Form>
      <div className="actions">
        <ErrorMessage problem={publishing.problem} />
        <button type="button" onClick={togglePublished}>
          {template.published ? "Unpublish" : "Publish"}
        </button>
      </div>
      <Preview template={template} />
    </div>
  )
}

/** The team's templates: start from a preset or from scratch, edit with a rendered preview, publish. */
export const TemplatesPage = () => {
  const [search, setSearch] = useState("")
  // The loader is made once; it reads the search typed so far through the ref.
  const searched = useRef("")
  searched.current = search
  const list = useLoad(() => {
    const term = searched.current
    return call((api) =>
      api.templates.list({ urlParams: { page: 1, perPage: 100, ...(term === "" ? {} : { search: term }) } })
    )
  })
  const presets = useLoad(() => call((api) => api.templates.presets()))
  const [selected, setSelected] = useState<TemplateView | undefined>()
  const [name, setName] = useState("")
  const starting = useAction()
  const create = async () => {
    const { template } = await call((api) =>
      api.templates.create({
        payload: { name, subject: "Hello {{ name }}", html: "<p>Hello {{ name }}</p>" }
      })
    )
    setName("")
    setSelected(template)
    await list.reload()
  }
  const startFromPreset = (presetId: string) =>
    starting.run(async () => {
      const { template } = await call((api) =>
        // biome-ignore lint/correctness/useHookAtTopLevel: the contract's endpoint name, not a React hook.
        api.templates.usePreset({ path: { presetId } })
      )
      setSelected(template)
      await list.reload()
    })
  return (
    <section>
      <PageTitle>Templates</PageTitle>
      <p className="lead">
        Reusable messages with {"{{ variables }}"}. Sends name a published template by its id.
      </p>
      <ErrorMessage problem={list.problem ?? presets.problem ?? starting.problem} />
      <Form
        label="Create a template"
        heading="New template"
        submit="Create template"
        action={create}
        className="card inline-form"
      >
        <Field label="Name" name="new-name" required maxLength={200} value={name} onChange={setName} />
      </Form>
      <section className="actions" aria-label="Presets">
        {(presets.data?.data ?? []).map((p) => (
          <button key={p.id} type="button" onClick={() => startFromPreset(p.id)}>
            Start from “{p.name}”
          </button>
        ))}
      </section>
      <Form label="Search templates" submit="Search" action={list.reload} className="inline-form">
        <Field label="Search by name" name="search" value={search} onChange={setSearch} />
      </Form>
      <Loaded
        items={list.data?.data}
        empty={
          search.trim() === ""
            ? "No templates yet: create one above, or start from a preset."
            : "No templates match that name."
        }
      >
        {(templates) => (
          <div className="table-scroll">
            <table>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Status</th>
                  <th scope="col">Version</th>
                  <th scope="col">Id</th>
                </tr>
              </thead>
              <tbody>
                {templates.map((t) => (
                  <tr key={t.publicId}>
                    <td>
                      <button type="button" className="link" onClick={() => setSelected(t)}>
                        {t.name}
                      </button>
                    </td>
                    <td>{t.published ? "Published" : "Draft"}</td>
                    <td>{t.version}</td>
                    <td>
                      <code>{t.publicId}</code>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Loaded>
      {selected === undefined ? null : (
        <Editor
          key={`${selected.publicId}:${selected.version}:${selected.published}:${selected.updatedAt.toISOString()}`}
          template={selected}
          onChanged={(t) => {
            setSelected(t)
            void list.reload()
          }}
        />
      )}
    </section>
  )
}
