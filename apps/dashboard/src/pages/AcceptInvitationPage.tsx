import { Redacted } from "effect"
import { useContext, useState } from "react"
import { call } from "../api"
import { tokenFromHash, usePlace } from "../router"
import { SessionContext } from "../session"
import { Form, Link, PageTitle } from "../ui"

/**
 * Where an invitation mail's link lands. The link is the proof, so whoever is signed in here joins
 * the team; signed out, the person signs in (or up) first and comes back to this same link.
 */
export const AcceptInvitationPage = () => {
  const place = usePlace()
  const session = useContext(SessionContext)
  const token = tokenFromHash(place.hash)
  const [joined, setJoined] = useState<string | undefined>()
  const back = encodeURIComponent(`/accept-invitation${place.hash}`)
  const accept = async () => {
    if (token === undefined) return
    const team = await call((api) => api.teams.acceptInvitation({ payload: { token: Redacted.make(token) } }))
    await call((api) => api.sessions.selectTeam({ payload: { teamId: team.id } }))
    setJoined(team.name)
  }
  return (
    <section className="card narrow">
      <PageTitle>Join a team</PageTitle>
      {token === undefined ? (
        <p>This page needs the link from your invitation mail. Open the link exactly as it came.</p>
      ) : joined !== undefined ? (
        <div className="alert alert-ok" role="status">
          <p>You are now a member of {joined}.</p>
          <p>
            <a href="/app/team">Go to the team</a>
          </p>
        </div>
      ) : session === undefined ? (
        <>
          <p>You have been invited to a team on PostStack. Sign in to accept, or create an account first.</p>
          <p className="actions">
            <Link className="button primary" href={`/sign-in?next=${back}`}>
              Sign in to accept
            </Link>
            <Link className="button" href="/sign-up">
              Create an account
            </Link>
          </p>
          <p className="hint">
            After creating your account and confirming your address, open the invitation link again.
          </p>
        </>
      ) : (
        <Form label="Accept the invitation" submit="Accept invitation" action={accept}>
          <p>
            You are signed in as <strong>{session.info.user.email}</strong>. Accepting adds this account to
            the team.
          </p>
        </Form>
      )}
    </section>
  )
}
