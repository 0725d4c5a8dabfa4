import type { ApiKeyView } from "@poststack/contract"
import { useState } from "react"
import { call } from "../api"
import { useCurrentTeam, useSession } from "../session"
import { ErrorMessage, Field, Form, PageTitle, Select, ShownOnce, formatDate, useAction } from "../ui"
import { ListTable, Loaded } from "../ListTable"
import { useLoad } from "../useLoad"

const PERMISSIONS = [
  ["sending_access", "Sending access: send mail only"],
  ["full_access", "Full access: everything, including keys and domains"]
] as const
const MODES = [
  ["live", "Live: mail is delivered"],
  ["test", "Test: mail is simulated, never sent"]
] as const

/** The secret of a key just made: shown once. */
const NewKey = ({ created, onDone }: { readonly created: ApiKeyView; readonly onDone: () => void }) => (
  <ShownOnce
    label="Your new API key"
    heading={<>Your new key “{created.name}”</>}
    secretLabel="API key"
    secret={created.key ?? ""}
    copyText="Copy key"
    onDone={onDone}
  >
    <p>
      <strong>Copy it now: it is shown only once.</strong> PostStack keeps only a hash of it; if you lose it,
      revoke it and make another.
    </p>
  </ShownOnce>
)

export const ApiKeysPage = () => {
  const { info } = useSession()
  const team = useCurrentTeam()
  const canManage = team?.role !== "member"
  // Members may not read the team's keys (403): their page says so instead of failing.
  const keys = useLoad(() => (canManage ? call((api) => api.apiKeys.list()) : Promise.resolve({ keys: [] })))
  const [name, setName] = useState("")
  const [permission, setPermission] = useState<"sending_access" | "full_access">("sending_access")
  const [mode, setMode] = useState<"live" | "test">("live")
  const [created, setCreated] = useState<ApiKeyView | undefined>()
  const revoking = useAction()

  const create = async () => {
    const key = await call((api) =>
      api.apiKeys.create({ payload: { name, permission, mode, allowFullAccess: true } })
    )
    setCreated(key)
    setName("")
    await keys.reload()
  }
  const revoke = (key: ApiKeyView) =>
    revoking.run(async () => {
      if (!window.confirm(`Revoke the key “${key.name}”? Programs using it stop working at once.`)) return
      await call((api) => api.apiKeys.revoke({ path: { id: key.id } }))
      await keys.reload()
    })

  return (
    <section>
      <PageTitle>API keys</PageTitle>
      <p className="lead">
        Keys let programs send mail and manage {team?.name ?? "your team"} through the API.
      </p>
      {!canManage ? (
        <p className="alert alert-info">Only owners and admins manage keys. Ask one of them for a key.</p>
      ) : created !== undefined ? (
        <NewKey created={created} onDone={() => setCreated(undefined)} />
      ) : (
        <Form
          label="Create an API key"
          submit="Create key"
          action={create}
          className="card inline-form"
          heading="Create a key"
        >
          <Field
            label="Name"
            name="name"
            required
            maxLength={100}
            hint="Where it is used, e.g. “Production app”."
            value={name}
            onChange={setName}
          />
          <Select
            label="Permission"
            name="permission"
            value={permission}
            options={PERMISSIONS}
            onChange={(v) => setPermission(v as typeof permission)}
          />
          <Select
            label="Mode"
            name="mode"
            value={mode}
            options={MODES}
            onChange={(v) => setMode(v as typeof mode)}
          />
        </Form>
      )}
      {canManage ? (
        <>
          <h2>Keys</h2>
          <ErrorMessage problem={keys.problem ?? revoking.problem} />
          <Loaded items={keys.data?.keys} empty="No keys yet.">
            {(rows) => (
              <ListTable
                caption={<>API keys of {team?.name}</>}
                hiddenCaption
                columns={["Name", "Key", "Permission", "Mode", "Last used", "Created"]}
                actions={canManage}
              >
                {rows.map((key) => (
                  <tr key={key.id}>
                    <th scope="row">{key.name}</th>
                    <td>
                      <code>{key.keyPrefix}…</code>
                    </td>
                    <td>{key.permission === "full_access" ? "Full access" : "Sending"}</td>
                    <td>
                      <span className={`badge badge-${key.mode}`}>
                        {key.mode === "live" ? "Live" : "Test"}
                      </span>
                    </td>
                    <td>{formatDate(key.lastUsedAt, info.user.timeZone)}</td>
                    <td>{formatDate(key.createdAt, info.user.timeZone)}</td>
                    {canManage ? (
                      <td className="row-actions">
                        <button
                          type="button"
                          className="danger"
                          onClick={() => void revoke(key)}
                          aria-label={`Revoke ${key.name}`}
                        >
                          Revoke
                        </button>
                      </td>
                    ) : null}
                  </tr>
                ))}
              </ListTable>
            )}
          </Loaded>
        </>
      ) : null}
    </section>
  )
}
