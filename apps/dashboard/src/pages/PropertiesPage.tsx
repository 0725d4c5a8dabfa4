import type { ContactPropertyView } from "@poststack/contract"
import { useState } from "react"
import { call } from "../api"
import { ErrorMessage, Field, Form, PageTitle, Select, useAction } from "../ui"
import { ListTable, Loaded } from "../ListTable"
import { useLoad } from "../useLoad"

/** The "Required" checkbox of both property forms. */
const RequiredBox = ({
  checked,
  onChange
}: {
  readonly checked: boolean
  readonly onChange: (checked: boolean) => void
}) => (
  <div className="field">
    <label>
      <input type="checkbox" name="required" checked={checked} onChange={(e) => onChange(e.target.checked)} />{" "}
      Required
    </label>
  </div>
)

const TYPES = [
  ["text", "Text"],
  ["number", "Number"],
  ["boolean", "Yes / no"],
  ["date", "Date"],
  ["select", "One of a list"]
] as const
type PropertyType = (typeof TYPES)[number][0]

const optionList = (text: string) =>
  text
    .split(",")
    .map((o) => o.trim())
    .filter((o) => o !== "")

/** Changes a property's label, options and whether it is required (name and type never change). */
const EditProperty = ({
  property,
  onDone
}: {
  readonly property: ContactPropertyView
  readonly onDone: () => void
}) => {
  const [label, setLabel] = useState(property.label)
  const [options, setOptions] = useState((property.options ?? []).join(", "))
  const [required, setRequired] = useState(property.required)
  return (
    <Form
      label={`Edit ${property.name}`}
      heading={`Edit ${property.name}`}
      submit="Save property"
      className="card"
      action={async () => {
        await call((api) =>
          api.contactProperties.update({
            path: { id: property.id },
            payload: {
              label,
              required,
              ...(property.type === "select" ? { options: optionList(options) } : {})
            }
          })
        )
        onDone()
      }}
    >
      <Field label="Label" name="label" required maxLength={200} value={label} onChange={setLabel} />
      {property.type === "select" ? (
        <Field
          label="Options"
          name="options"
          hint="Separated by commas"
          value={options}
          onChange={setOptions}
        />
      ) : null}
      <RequiredBox checked={required} onChange={setRequired} />
    </Form>
  )
}

export const PropertiesPage = () => {
  const properties = useLoad(() => call((api) => api.contactProperties.list()))
  const [name, setName] = useState("")
  const [label, setLabel] = useState("")
  const [type, setType] = useState<PropertyType>("text")
  const [options, setOptions] = useState("")
  const [required, setRequired] = useState(false)
  const [editing, setEditing] = useState<number | undefined>()
  const acting = useAction()

  const create = async () => {
    await call((api) =>
      api.contactProperties.create({
        payload: {
          name,
          label,
          type,
          required,
          ...(type === "select" ? { options: optionList(options) } : {})
        }
      })
    )
    setName("")
    setLabel("")
    setOptions("")
    setRequired(false)
    await properties.reload()
  }

  return (
    <section>
      <PageTitle>Contact properties</PageTitle>
      <p className="lead">Typed fields every contact can carry; values are checked against their type.</p>
      <Form
        label="Add a property"
        heading="Add a property"
        submit="Add property"
        action={create}
        className="card"
      >
        <Field
          label="Name"
          name="name"
          required
          maxLength={63}
          hint="Letters, digits and _; fixed once made"
          value={name}
          onChange={setName}
        />
        <Field label="Label" name="label" required maxLength={200} value={label} onChange={setLabel} />
        <Select
          label="Type"
          name="type"
          value={type}
          options={TYPES}
          onChange={(v) => setType(v as PropertyType)}
        />
        {type === "select" ? (
          <Field
            label="Options"
            name="options"
            hint="Separated by commas"
            value={options}
            onChange={setOptions}
          />
        ) : null}
        <RequiredBox checked={required} onChange={setRequired} />
      </Form>
      <ErrorMessage problem={properties.problem ?? acting.problem} />
      <Loaded items={properties.data?.properties} empty="No properties yet.">
        {(rows) => (
          <ListTable caption="Properties" columns={["Name", "Label", "Type", "Options", "Required"]} actions>
            {rows.map((p) => (
              <tr key={p.id}>
                <td>
                  <code>{p.name}</code>
                </td>
                <td>{p.label}</td>
                <td>{TYPES.find(([type]) => type === p.type)?.[1] ?? p.type}</td>
                <td>{(p.options ?? []).join(", ")}</td>
                <td>{p.required ? "Yes" : "No"}</td>
                <td>
                  <button
                    type="button"
                    aria-label={`Edit ${p.name}`}
                    onClick={() => setEditing(editing === p.id ? undefined : p.id)}
                  >
                    Edit
                  </button>{" "}
                  <button
                    type="button"
                    aria-label={`Delete ${p.name}`}
                    onClick={() =>
                      void acting.run(async () => {
                        if (!window.confirm(`Delete ${p.name} and every contact's value for it?`)) return
                        await call((api) => api.contactProperties.delete({ path: { id: p.id } }))
                        await properties.reload()
                      })
                    }
                  >
                    Delete
                  </button>
                </td>
              </tr>
            ))}
          </ListTable>
        )}
      </Loaded>
      {editing === undefined || properties.data === undefined
        ? null
        : properties.data.properties
            .filter((p) => p.id === editing)
            .map((p) => (
              <EditProperty
                key={p.id}
                property={p}
                onDone={() => {
                  setEditing(undefined)
                  void properties.reload()
                }}
              />
            ))}
    </section>
  )
}
