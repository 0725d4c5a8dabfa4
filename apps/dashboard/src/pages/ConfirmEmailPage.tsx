import { Redacted } from "effect"
import { useState } from "react"
import { call } from "../api"
import { tokenFromHash, usePlace } from "../router"
import { Form, Link, Notice, PageTitle } from "../ui"

/** Where the link sent to a new address lands: confirming moves the account to it. */
export const ConfirmEmailPage = () => {
  const place = usePlace()
  const token = tokenFromHash(place.hash)
  const [done, setDone] = useState(false)
  const confirm = async () => {
    if (token === undefined) return
    await call((api) => api.auth.confirmEmailChange({ payload: { token: Redacted.make(token) } }))
    setDone(true)
  }
  return (
    <section className="card narrow">
      <PageTitle>Confirm your new address</PageTitle>
      {done ? (
        <Notice>
          <p>Your account now uses this address. Other sessions have been signed out.</p>
          <p>
            <Link href="/app/account">Go to your account</Link>
          </p>
        </Notice>
      ) : token === undefined ? (
        <p>This page needs the link from your mail. Open the link exactly as it came.</p>
      ) : (
        <Form label="Confirm your new address" submit="Confirm new address" action={confirm}>
          <p>Confirm that your account should use this address from now on.</p>
        </Form>
      )}
    </section>
  )
}
