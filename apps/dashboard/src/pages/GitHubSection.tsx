import { call } from "../api"
import { usePlace } from "../router"
import { useSession } from "../session"
import { ErrorMessage, formatDate, Notice, useAction } from "../ui"
import { useLoad } from "../useLoad"

/** The account page's linked GitHub account: link (through GitHub's consent page) or unlink. */
export const GitHubSection = () => {
  const { info } = useSession()
  const place = usePlace()
  const state = useLoad(async () => {
    const [providers, account] = await Promise.all([
      call((api) => api.githubAuth.providers()),
      call((api) => api.githubAccount.get())
    ])
    return { configured: providers.github, ...account }
  })
  const acting = useAction()
  const link = () =>
    acting.run(async () => {
      const { url } = await call((api) => api.githubAccount.link())
      window.location.assign(url)
    })
  const unlink = () =>
    acting.run(async () => {
      await call((api) => api.githubAccount.unlink())
      await state.reload()
    })
  const data = state.data
  // Nothing to offer on a server without GitHub, unless an account was linked before it was turned off.
  if (data !== undefined && !data.configured && !data.linked) return null
  return (
    <section className="card" aria-labelledby="github-heading">
      <h2 id="github-heading">GitHub</h2>
      {place.search.get("github") === "linked" && data?.linked === true ? (
        <Notice>Your GitHub account is linked: you can sign in with it.</Notice>
      ) : null}
      <ErrorMessage problem={state.problem ?? acting.problem} />
      {data === undefined ? null : data.identity !== null ? (
        <>
          <p>
            Linked to <strong>{data.identity.name}</strong> ({data.identity.email}) since{" "}
            {formatDate(data.identity.linkedAt, info.user.timeZone)}.
          </p>
          <button type="button" onClick={() => void unlink()}>
            Unlink GitHub
          </button>
        </>
      ) : (
        <>
          <p>Link a GitHub account to sign in with it instead of your password.</p>
          <button type="button" className="primary" onClick={() => void link()}>
            Link GitHub
          </button>
        </>
      )}
    </section>
  )
}
