import { Redacted } from "effect"
import { useState } from "react"
import { call } from "../api"
import { Field, Form, Link, Notice, PageTitle } from "../ui"
import { TimeZoneSelect, browserTimeZone } from "./TimeZoneSelect"

export const SignUpPage = () => {
  const [name, setName] = useState("")
  const [email, setEmail] = useState("")
  const [password, setPassword] = useState("")
  const [timeZone, setTimeZone] = useState(browserTimeZone)
  const [sent, setSent] = useState<string | undefined>()
  const signUp = async () => {
    const answer = await call((api) =>
      api.auth.signUp({ payload: { email, password: Redacted.make(password), name, timeZone } })
    )
    setSent(answer.message)
  }
  return (
    <section className="card narrow">
      <PageTitle>Create your account</PageTitle>
      {sent !== undefined ? (
        <Notice>
          <p>{sent}</p>
          <p>Open the link in the mail to confirm your address, then sign in.</p>
        </Notice>
      ) : (
        <Form label="Create your account" submit="Create account" action={signUp}>
          <Field
            label="Name"
            name="name"
            autoComplete="name"
            maxLength={100}
            value={name}
            onChange={setName}
          />
          <Field
            label="Email"
            name="email"
            type="email"
            autoComplete="email"
            required
            value={email}
            onChange={setEmail}
          />
          <Field
            label="Password"
            name="password"
            type="password"
            autoComplete="new-password"
            required
            minLength={10}
            maxLength={256}
            hint="10 to 256 characters. A few unrelated words make a strong one."
            value={password}
            onChange={setPassword}
          />
          <TimeZoneSelect value={timeZone} onChange={setTimeZone} />
        </Form>
      )}
      <p className="aside">
        Already have an account? <Link href="/sign-in">Sign in</Link>
      </p>
    </section>
  )
}
