import { Redacted } from "effect"
import { useState } from "react"
import { call } from "../api"
import { tokenFromHash, usePlace } from "../router"
import { Field, Form, Link, Notice, PageTitle } from "../ui"

/** Asks for a reset link, or, opened from that link, sets the new password. */
export const ResetPasswordPage = () => {
  const place = usePlace()
  const token = tokenFromHash(place.hash)
  const [email, setEmail] = useState("")
  const [password, setPassword] = useState("")
  const [done, setDone] = useState<string | undefined>()
  const request = async () => {
    const answer = await call((api) => api.auth.requestPasswordReset({ payload: { email } }))
    setDone(answer.message)
  }
  const confirm = async () => {
    if (token === undefined) return
    await call((api) =>
      api.auth.resetPassword({ payload: { token: Redacted.make(token), password: Redacted.make(password) } })
    )
    setDone("Your password is changed, and every session of your account has ended.")
  }
  return (
    <section className="card narrow">
      <PageTitle>{token === undefined ? "Reset your password" : "Choose a new password"}</PageTitle>
      {done !== undefined ? (
        <Notice>
          <p>{done}</p>
          <p>
            <Link href="/sign-in">Back to sign in</Link>
          </p>
        </Notice>
      ) : token === undefined ? (
        <Form label="Reset your password" submit="Send a reset link" action={request}>
          <Field
            label="Email"
            name="email"
            type="email"
            autoComplete="email"
            required
            value={email}
            onChange={setEmail}
          />
        </Form>
      ) : (
        <Form label="Choose a new password" submit="Set password" action={confirm}>
          <Field
            label="New password"
            name="password"
            type="password"
            autoComplete="new-password"
            required
            minLength={10}
            maxLength={256}
            hint="10 to 256 characters."
            value={password}
            onChange={setPassword}
          />
        </Form>
      )}
    </section>
  )
}
