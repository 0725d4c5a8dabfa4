import type { ReactNode } from "react"
import { call } from "./api"
import { navigate } from "./router"
import { useCurrentTeam, useSession } from "./session"
import { Link, Select } from "./ui"

const NAV: ReadonlyArray<readonly [string, string, "everyone" | "managers"]> = [
  ["/app/emails", "Emails", "everyone"],
  ["/app/inbound", "Received mail", "everyone"],
  ["/app/api-keys", "API keys", "everyone"],
  ["/app/domains", "Domains", "everyone"],
  ["/app/webhooks", "Webhooks", "everyone"],
  ["/app/suppressions", "Suppressions", "everyone"],
  ["/app/contacts", "Contacts", "everyone"],
  ["/app/contact-properties", "Properties", "everyone"],
  ["/app/topics", "Topics", "everyone"],
  ["/app/templates", "Templates", "everyone"],
  ["/app/segments", "Segments", "everyone"],
  ["/app/broadcasts", "Broadcasts", "everyone"],
  ["/app/signup-forms", "Signup forms", "everyone"],
  ["/app/workflows", "Workflows", "everyone"],
  ["/app/team", "Team", "everyone"],
  ["/app/billing", "Billing", "everyone"],
  ["/app/privacy", "Privacy", "managers"],
  ["/app/logs", "API requests", "managers"],
  ["/app/audit-log", "Audit log", "managers"],
  ["/app/account", "Account", "everyone"],
  ["/app/sessions", "Sessions", "everyone"]
]

/** The frame of every signed-in page: skip link, navigation, team switcher, sign-out. */
export const AppShell = ({ path, children }: { readonly path: string; readonly children: ReactNode }) => {
  const { info, refresh, signedOut } = useSession()
  const team = useCurrentTeam()
  const switchTeam = async (id: string) => {
    await call((api) => api.sessions.selectTeam({ payload: { teamId: Number(id) } }))
    await refresh()
    navigate(path, { replace: true })
  }
  const signOut = async () => {
    await call((api) => api.sessions.signOut())
    signedOut()
  }
  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <span className="brand">PostStack</span>
        {info.teams.length > 1 ? (
          <Select
            label="Current team"
            name="team"
            hideLabel
            value={String(team?.id ?? "")}
            options={info.teams.map((t) => [String(t.id), t.name] as const)}
            onChange={(id) => void switchTeam(id)}
          />
        ) : (
          <span className="team-name">{team?.name}</span>
        )}
        <span className="spacer" />
        <span className="who">{info.user.email}</span>
        <button type="button" onClick={() => void signOut()}>
          Sign out
        </button>
      </header>
      <nav aria-label="Dashboard">
        <ul>
          {NAV.filter(([, , who]) => who === "everyone" || team?.role !== "member").map(([href, text]) => (
            <li key={href}>
              <Link
                href={href}
                aria-current={path === href || path.startsWith(`${href}/`) ? "page" : undefined}
              >
                {text}
              </Link>
            </li>
          ))}
        </ul>
      </nav>
      <main id="main" tabIndex={-1}>
        {children}
      </main>
    </div>
  )
}
