import { Redacted } from "effect"
import { useState } from "react"
import { ApiProblem, call, setCsrfToken } from "../api"
import { afterSignIn } from "../App"
import { usePlace } from "../router"
import { ErrorMessage, Field, Form, Link, PageTitle } from "../ui"

/** The challenge the password (or GitHub) step handed over, in the fragment so no server log holds it. */
const challengeFrom = (hash: string): string | undefined =>
  new URLSearchParams(hash.replace(/^#/, "")).get("challenge") ?? undefined

export const TwoFactorSignInPage = () => {
  const place = usePlace()
  const challenge = challengeFrom(place.hash)
  const [code, setCode] = useState("")
  const verify = async () => {
    if (challenge === undefined) return
    const info = await call((api) =>
      api.auth.signInTwoFactor({
        payload: { challenge: Redacted.make(challenge), code: Redacted.make(code) }
      })
    )
    setCsrfToken(info.csrfToken)
    afterSignIn(place.search.get("next"))
  }
  return (
    <section className="card narrow">
      <PageTitle>Two-factor check</PageTitle>
      {challenge === undefined ? (
        <ErrorMessage
          problem={
            new ApiProblem(
              "invalid_request",
              "This page needs the sign-in step first. Sign in again with your password.",
              undefined
            )
          }
        />
      ) : (
        <>
          <p className="lead">
            Enter the six-digit code from your authenticator app, or one of your backup codes.
          </p>
          <Form label="Two-factor check" submit="Verify" action={verify}>
            <Field
              label="Code"
              name="code"
              autoComplete="one-time-code"
              required
              maxLength={32}
              hint="The check expires five minutes after your password was accepted."
              value={code}
              onChange={setCode}
            />
          </Form>
        </>
      )}
      <p className="aside">
        <Link href="/sign-in">Back to sign in</Link>
      </p>
    </section>
  )
}
