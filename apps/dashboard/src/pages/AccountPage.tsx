import { Redacted } from "effect"
import { useState } from "react"
import { call } from "../api"
import { useSession } from "../session"
import { Field, Form, PageTitle } from "../ui"
import { DeleteAccountSection } from "./ClosingSections"
import { GitHubSection } from "./GitHubSection"
import { TimeZoneSelect } from "./TimeZoneSelect"
import { TwoFactorSection } from "./TwoFactorSection"

export const AccountPage = () => {
  const { info, refresh } = useSession()
  const [name, setName] = useState(info.user.name)
  const [timeZone, setTimeZone] = useState(info.user.timeZone)
  const [saved, setSaved] = useState<string | undefined>()
  const [current, setCurrent] = useState("")
  const [next, setNext] = useState("")
  const [changed, setChanged] = useState<string | undefined>()
  const [emailPassword, setEmailPassword] = useState("")
  const [newEmail, setNewEmail] = useState("")
  const [emailSent, setEmailSent] = useState<string | undefined>()

  const saveProfile = async () => {
    await call((api) => api.account.update({ payload: { name, timeZone } }))
    await refresh()
    setSaved("Saved. Dates now show in this time zone.")
  }
  const changePassword = async () => {
    const answer = await call((api) =>
      api.account.changePassword({
        payload: { currentPassword: Redacted.make(current), newPassword: Redacted.make(next) }
      })
    )
    setCurrent("")
    setNext("")
    setChanged(
      `Password changed. ${answer.endedSessions === 0 ? "No other session was open." : `${answer.endedSessions} other session(s) signed out.`}`
    )
  }
  const changeEmail = async () => {
    const answer = await call((api) =>
      api.account.changeEmail({ payload: { password: Redacted.make(emailPassword), newEmail } })
    )
    setEmailPassword("")
    setEmailSent(answer.message)
  }

  return (
    <section>
      <PageTitle>Account</PageTitle>
      <p className="lead">
        Signed in as <strong>{info.user.email}</strong>.
      </p>
      <div className="grid">
        <Form label="Profile" submit="Save profile" action={saveProfile} className="card" heading="Profile">
          {saved === undefined ? null : (
            <p className="alert alert-ok" role="status">
              {saved}
            </p>
          )}
          <Field
            label="Name"
            name="name"
            autoComplete="name"
            maxLength={100}
            value={name}
            onChange={setName}
          />
          <TimeZoneSelect value={timeZone} onChange={setTimeZone} />
        </Form>
        <Form
          label="Change password"
          submit="Change password"
          action={changePassword}
          className="card"
          heading="Password"
        >
          {changed === undefined ? null : (
            <p className="alert alert-ok" role="status">
              {changed}
            </p>
          )}
          <Field
            label="Current password"
            name="current_password"
            type="password"
            autoComplete="current-password"
            required
            value={current}
            onChange={setCurrent}
          />
          <Field
            label="New password"
            name="new_password"
            type="password"
            autoComplete="new-password"
            required
            minLength={10}
            maxLength={256}
            hint="10 to 256 characters. Every other session is signed out."
            value={next}
            onChange={setNext}
          />
        </Form>
        <Form
          label="Change email"
          submit="Send confirmation link"
          action={changeEmail}
          className="card"
          heading="Email address"
        >
          {emailSent === undefined ? null : (
            <p className="alert alert-ok" role="status">
              {emailSent}
            </p>
          )}
          <Field
            label="New email"
            name="new_email"
            type="email"
            autoComplete="email"
            required
            value={newEmail}
            onChange={setNewEmail}
          />
          <Field
            label="Password"
            name="password"
            type="password"
            autoComplete="current-password"
            required
            hint="We send a link to the new address; the change happens when it is opened."
            value={emailPassword}
            onChange={setEmailPassword}
          />
        </Form>
        <TwoFactorSection />
        <GitHubSection />
        <section className="card" aria-labelledby="my-data-title">
          <h2 id="my-data-title">Your data</h2>
          <p>
            A copy of what PostStack keeps about you: your account, teams, sessions, linked sign-ins and the
            audit entries about you, as a JSON file. It never holds your password or 2FA secrets.
          </p>
          <a className="button" href="/account/export" download>
            Download my data
          </a>
        </section>
        <DeleteAccountSection />
      </div>
    </section>
  )
}
