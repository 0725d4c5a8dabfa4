import { GITHUB_REFUSALS, githubRefusalReason } from "@poststack/domain"
import { useContext } from "react"
import { ApiProblem } from "../api"
import { usePlace } from "../router"
import { SessionContext } from "../session"
import { ErrorMessage, Link, PageTitle } from "../ui"

/**
 * Where the server sends a browser whose GitHub sign-in (or link) was refused. The address names
 * only a reason key; the words are this page's own.
 */
export const GitHubRefusedPage = () => {
  const place = usePlace()
  const session = useContext(SessionContext)
  const reason = githubRefusalReason(place.search.get("reason"))
  return (
    <section className="card narrow">
      <PageTitle>GitHub sign-in did not work</PageTitle>
      <ErrorMessage problem={new ApiProblem("github_sign_in_failed", GITHUB_REFUSALS[reason], undefined)} />
      <p className="aside">
        {session === undefined ? (
          <Link href="/sign-in">Back to sign in</Link>
        ) : (
          <Link href="/app/account">Back to your account</Link>
        )}
      </p>
    </section>
  )
}
