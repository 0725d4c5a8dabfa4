import { Redacted } from "effect"
import { useEffect, useState } from "react"
import { call, setCsrfToken } from "../api"
import { afterSignIn } from "../App"
import { sameOriginPath, usePlace } from "../router"
import { Field, Form, Link, PageTitle } from "../ui"

export const SignInPage = () => {
  const place = usePlace()
  const [email, setEmail] = useState("")
  const [password, setPassword] = useState("")
  // The button only where the server has a GitHub app; a failed look-up just leaves it out.
  const [github, setGitHub] = useState(false)
  useEffect(() => {
    call((api) => api.githubAuth.providers()).then(
      (providers) => setGitHub(providers.github),
      () => setGitHub(false)
    )
  }, [])
  const next = sameOriginPath(place.search.get("next"))
  const nextQuery = next === undefined ? "" : `?next=${encodeURIComponent(next)}`
  const signIn = async () => {
    const info = await call((api) =>
      api.auth.signIn({ payload: { email, password: Redacted.make(password) } })
    )
    if ("twoFactorRequired" in info) {
      // The second factor has its own page; the challenge travels in the fragment, never to a server log.
      // Where the person was going comes along, still checked there before it is followed.
      window.location.assign(
        `/sign-in/two-factor${nextQuery}#challenge=${encodeURIComponent(info.challenge)}`
      )
      return
    }
    setCsrfToken(info.csrfToken)
    afterSignIn(place.search.get("next"))
  }
  return (
    <section className="card narrow">
      <PageTitle>Sign in</PageTitle>
      <Form label="Sign in" submit="Sign in" action={signIn}>
        <Field
          label="Email"
          name="email"
          type="email"
          autoComplete="username"
          required
          value={email}
          onChange={setEmail}
        />
        <Field
          label="Password"
          name="password"
          type="password"
          autoComplete="current-password"
          required
          value={password}
          onChange={setPassword}
        />
      </Form>
      {github ? (
        <>
          <p className="divider">or</p>
          {/* A full navigation: the server redirects to GitHub's consent page, and back to `next`. */}
          <a className="button wide" href={`/auth/github${nextQuery}`}>
            Sign in with GitHub
          </a>
        </>
      ) : null}
      <p className="aside">
        New here? <Link href="/sign-up">Create an account</Link>
      </p>
      <p className="aside">
        <Link href="/reset-password">Forgot your password?</Link>
      </p>
    </section>
  )
}
