import { Redacted } from "effect"
import { useState } from "react"
import { call } from "../api"
import { tokenFromHash, usePlace } from "../router"
import { Field, Form, Link, Notice, PageTitle } from "../ui"

/** Where the verification mail's link lands: the token is in the fragment; one click posts it. */
export const VerifyEmailPage = () => {
  const place = usePlace()
  const token = tokenFromHash(place.hash)
  const [state, setState] = useState<"idle" | "verified">("idle")
  const [email, setEmail] = useState("")
  const [resent, setResent] = useState<string | undefined>()
  const verify = async () => {
    if (token === undefined) return
    await call((api) => api.auth.verifyEmail({ payload: { token: Redacted.make(token) } }))
    setState("verified")
  }
  const resend = async () => {
    const answer = await call((api) => api.auth.resendVerification({ payload: { email } }))
    setResent(answer.message)
  }
  return (
    <section className="card narrow">
      <PageTitle>Confirm your email</PageTitle>
      {state === "verified" ? (
        <Notice>
          <p>Your address is confirmed.</p>
          <p>
            <Link href="/sign-in">Sign in</Link> to continue.
          </p>
        </Notice>
      ) : token === undefined ? (
        <p>
          This page needs the link from your mail. Open the link exactly as it came, or ask for a new one
          below.
        </p>
      ) : (
        <Form label="Confirm your email" submit="Confirm my address" action={verify}>
          <p>One step left: confirm that this address is yours.</p>
        </Form>
      )}
      {state === "verified" ? null : (
        <details className="resend">
          <summary>Link expired or used? Send a new one</summary>
          {resent !== undefined ? (
            <Notice>{resent}</Notice>
          ) : (
            <Form label="Send a new confirmation link" submit="Send a new link" action={resend}>
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
          )}
        </details>
      )}
    </section>
  )
}
