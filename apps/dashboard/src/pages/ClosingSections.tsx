import { Redacted } from "effect"
import { useId, useState } from "react"
import { call } from "../api"
import { navigate } from "../router"
import { useSession } from "../session"
import { Field, Form } from "../ui"
import { useLoad } from "../useLoad"

/** Whether the signed-in person has two-factor on: then a code is asked for too. */
const useTwoFactorOn = () => useLoad(() => call((api) => api.twoFactor.status())).data?.enabled === true

/** The password and, with two-factor on, a code: what the server asks for before closing or deleting. */
const proofOf = (password: string, code: string) => ({
  password: Redacted.make(password),
  ...(code.trim() === "" ? {} : { code: Redacted.make(code) })
})

/** The code field, only when two-factor is on. */
const CodeField = ({ on, value, onChange }: { on: boolean; value: string; onChange: (v: string) => void }) =>
  on ? (
    <Field
      label="Code from your authenticator app (or a backup code)"
      name="code"
      autoComplete="one-time-code"
      required
      maxLength={32}
      value={value}
      onChange={onChange}
    />
  ) : null

/** A required tick box: the person says they understand before an action that cannot be undone. */
const Understood = ({
  label,
  checked,
  onChange
}: {
  label: string
  checked: boolean
  onChange: (v: boolean) => void
}) => {
  const id = useId()
  return (
    <div className="field field-check">
      <input
        id={id}
        type="checkbox"
        required
        checked={checked}
        onChange={(e) => onChange(e.target.checked)}
      />
      <label htmlFor={id}>{label}</label>
    </div>
  )
}

/** An owner closes the team: password again (and a code with two-factor on), and a tick box saying what happens. */
export const CloseTeamSection = ({
  teamId,
  teamName
}: {
  readonly teamId: number
  readonly teamName: string
}) => {
  const { refresh } = useSession()
  const [password, setPassword] = useState("")
  const [code, setCode] = useState("")
  const twoFactorOn = useTwoFactorOn()
  const [understood, setUnderstood] = useState(false)
  const close = async () => {
    await call((api) => api.teams.close({ path: { teamId }, payload: proofOf(password, code) }))
    await refresh()
    navigate("/app/account", { replace: true })
  }
  return (
    <Form
      label="Close the team"
      heading="Close this team"
      submit="Close the team for good"
      action={close}
      className="card danger-zone"
    >
      <p>
        Closing {teamName} stops its sending at once: its API keys stop working, mail waiting to go is
        cancelled, and nobody can open the team any more. Its contacts, emails, suppressions and everything
        else are deleted two weeks later. Invoices and payments are kept, as the law requires.
      </p>
      <Field
        label="Your password"
        name="password"
        type="password"
        autoComplete="current-password"
        required
        value={password}
        onChange={setPassword}
      />
      <CodeField on={twoFactorOn} value={code} onChange={setCode} />
      <Understood
        label={`I understand that ${teamName} and its data will be deleted`}
        checked={understood}
        onChange={setUnderstood}
      />
    </Form>
  )
}

/** A person deletes their own account: password again (and a code with two-factor on), and a tick box. */
export const DeleteAccountSection = () => {
  const { signedOut } = useSession()
  const [password, setPassword] = useState("")
  const [code, setCode] = useState("")
  const twoFactorOn = useTwoFactorOn()
  const [understood, setUnderstood] = useState(false)
  const remove = async () => {
    await call((api) => api.account.deleteAccount({ payload: proofOf(password, code) }))
    signedOut()
  }
  return (
    <Form
      label="Delete my account"
      heading="Delete my account"
      submit="Delete my account for good"
      action={remove}
      className="card danger-zone"
    >
      <p>
        Your account, sessions and sign-in links are deleted, and you leave every team. Teams where you are
        the only member are closed with it. If you are the only owner of a team with other members, make one
        of them an owner first.
      </p>
      <Field
        label="Your password"
        name="password"
        type="password"
        autoComplete="current-password"
        required
        value={password}
        onChange={setPassword}
      />
      <CodeField on={twoFactorOn} value={code} onChange={setCode} />
      <Understood
        label="I understand that my account will be deleted"
        checked={understood}
        onChange={setUnderstood}
      />
    </Form>
  )
}
