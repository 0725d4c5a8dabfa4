import type { SessionView } from "@poststack/contract"
import { SessionId } from "@poststack/domain"
import { call } from "../api"
import { useSession } from "../session"
import { ErrorMessage, PageTitle, formatDate, useAction } from "../ui"
import { ListTable, Loaded } from "../ListTable"
import { useLoad } from "../useLoad"

/** A readable device name from a user agent, without a parser: browser and system are enough. */
const device = (userAgent: string | null) => {
  if (userAgent === null) return "Unknown device"
  const browser = /Edg\//.test(userAgent)
    ? "Edge"
    : /Firefox\//.test(userAgent)
      ? "Firefox"
      : /Chrom(e|ium)\//.test(userAgent)
        ? "Chrome"
        : /Safari\//.test(userAgent)
          ? "Safari"
          : undefined
  const system = /Windows/.test(userAgent)
    ? "Windows"
    : /Mac OS X/.test(userAgent)
      ? "macOS"
      : /Android/.test(userAgent)
        ? "Android"
        : /iPhone|iPad/.test(userAgent)
          ? "iOS"
          : /Linux/.test(userAgent)
            ? "Linux"
            : undefined
  return browser === undefined
    ? userAgent.slice(0, 60)
    : `${browser}${system === undefined ? "" : ` on ${system}`}`
}

export const SessionsPage = () => {
  const { info, signedOut } = useSession()
  const sessions = useLoad(() => call((api) => api.sessions.list()))
  const acting = useAction()
  const revoke = (session: SessionView) =>
    acting.run(async () => {
      await call((api) => api.sessions.revoke({ path: { id: SessionId.make(session.id) } }))
      if (session.current) signedOut()
      else await sessions.reload()
    })
  const everywhere = () =>
    acting.run(async () => {
      if (!window.confirm("Sign out of every session, this one included?")) return
      await call((api) => api.sessions.signOutEverywhere())
      signedOut()
    })
  return (
    <section>
      <PageTitle>Sessions</PageTitle>
      <p className="lead">Where your account is signed in. A session ends 24 hours after sign-in.</p>
      <ErrorMessage problem={sessions.problem ?? acting.problem} />
      <Loaded items={sessions.data?.data}>
        {(rows) => (
          <ListTable
            caption="Your sessions"
            hiddenCaption
            columns={["Device", "Address", "Signed in", "Last seen"]}
            actions
          >
            {rows.map((session) => (
              <tr key={session.id}>
                <th scope="row">
                  {device(session.userAgent)}
                  {session.current ? <span className="badge badge-current">This session</span> : null}
                </th>
                <td>{session.address ?? "unknown"}</td>
                <td>{formatDate(session.createdAt, info.user.timeZone)}</td>
                <td>{formatDate(session.lastSeenAt, info.user.timeZone)}</td>
                <td className="row-actions">
                  <button
                    type="button"
                    aria-label={
                      session.current
                        ? "Sign out of this session"
                        : `Revoke the session on ${device(session.userAgent)}, last seen ${formatDate(session.lastSeenAt, info.user.timeZone)}`
                    }
                    onClick={() => void revoke(session)}
                  >
                    {session.current ? "Sign out" : "Revoke"}
                  </button>
                </td>
              </tr>
            ))}
          </ListTable>
        )}
      </Loaded>
      <p>
        <button type="button" className="danger" onClick={() => void everywhere()}>
          Sign out everywhere
        </button>
      </p>
    </section>
  )
}
