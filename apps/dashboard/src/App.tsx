import type { SessionInfo } from "@poststack/contract"
import { useCallback, useEffect, useState } from "react"
import { ApiProblem, call, setCsrfToken } from "./api"
import { AppShell } from "./AppShell"
import { AcceptInvitationPage } from "./pages/AcceptInvitationPage"
import { AccountPage } from "./pages/AccountPage"
import { ApiKeysPage } from "./pages/ApiKeysPage"
import { BillingPage } from "./pages/BillingPage"
import { BroadcastsPage } from "./pages/BroadcastsPage"
import { PrivacyPage } from "./pages/PrivacyPage"
import { ConfirmEmailPage } from "./pages/ConfirmEmailPage"
import { ContactsPage } from "./pages/ContactsPage"
import { DomainsPage } from "./pages/DomainsPage"
import { EMAIL_PATH, EmailDetailPage } from "./pages/EmailDetailPage"
import { EmailsPage } from "./pages/EmailsPage"
import { GitHubRefusedPage } from "./pages/GitHubRefusedPage"
import { InboundPage } from "./pages/InboundPage"
import { TemplatesPage } from "./pages/TemplatesPage"
import { AuditLogPage, RequestLogPage } from "./pages/LogPages"
import { NotFoundPage } from "./pages/NotFoundPage"
import { PropertiesPage } from "./pages/PropertiesPage"
import { ResetPasswordPage } from "./pages/ResetPasswordPage"
import { SegmentsPage } from "./pages/SegmentsPage"
import { SessionsPage } from "./pages/SessionsPage"
import { SignInPage } from "./pages/SignInPage"
import { SignupFormsPage } from "./pages/SignupFormsPage"
import { SignUpPage } from "./pages/SignUpPage"
import { SuppressionsPage } from "./pages/SuppressionsPage"
import { TeamPage } from "./pages/TeamPage"
import { TopicsPage } from "./pages/TopicsPage"
import { TwoFactorSignInPage } from "./pages/TwoFactorSignInPage"
import { VerifyEmailPage } from "./pages/VerifyEmailPage"
import { WebhooksPage } from "./pages/WebhooksPage"
import { WorkflowsPage } from "./pages/WorkflowsPage"
import { navigate, sameOriginPath, usePlace } from "./router"
import { SessionContext } from "./session"

/** Pages reached signed out (several from links in mail). */
const PUBLIC: Record<string, () => React.JSX.Element> = {
  "/sign-in": SignInPage,
  "/sign-in/two-factor": TwoFactorSignInPage,
  "/sign-in/github-refused": GitHubRefusedPage,
  "/sign-up": SignUpPage,
  "/verify-email": VerifyEmailPage,
  "/reset-password": ResetPasswordPage,
  "/confirm-email": ConfirmEmailPage,
  "/accept-invitation": AcceptInvitationPage
}

/** Pages of a signed-in person, acting on the session's team. */
const SIGNED_IN: Record<string, () => React.JSX.Element> = {
  "/app/emails": EmailsPage,
  "/app/api-keys": ApiKeysPage,
  "/app/domains": DomainsPage,
  "/app/webhooks": WebhooksPage,
  "/app/signup-forms": SignupFormsPage,
  "/app/contacts": ContactsPage,
  "/app/contact-properties": PropertiesPage,
  "/app/topics": TopicsPage,
  "/app/templates": TemplatesPage,
  "/app/segments": SegmentsPage,
  "/app/broadcasts": BroadcastsPage,
  "/app/workflows": WorkflowsPage,
  "/app/team": TeamPage,
  "/app/account": AccountPage,
  "/app/sessions": SessionsPage,
  "/app/audit-log": AuditLogPage,
  "/app/logs": RequestLogPage,
  "/app/billing": BillingPage,
  "/app/privacy": PrivacyPage,
  "/app/inbound": InboundPage,
  "/app/suppressions": SuppressionsPage
}

/** Pages of one thing, the rest of the path naming it (`/app/emails/em_…`). */
const SIGNED_IN_ITEMS: ReadonlyArray<readonly [string, () => React.JSX.Element]> = [
  [EMAIL_PATH, EmailDetailPage]
]

const itemPage = (path: string) =>
  SIGNED_IN_ITEMS.find(([prefix]) => path.startsWith(prefix) && path.length > prefix.length)?.[1]

type Loaded =
  | { readonly state: "loading" }
  | { readonly state: "ready"; readonly info: SessionInfo | undefined }

export const App = () => {
  const place = usePlace()
  const [session, setSession] = useState<Loaded>({ state: "loading" })

  const refresh = useCallback(async () => {
    try {
      const info = await call((api) => api.sessions.current())
      setCsrfToken(info.csrfToken)
      setSession({ state: "ready", info })
    } catch (error) {
      if (!(error instanceof ApiProblem) || error.status !== 401) throw error
      setCsrfToken(undefined)
      setSession({ state: "ready", info: undefined })
    }
  }, [])

  useEffect(() => {
    void refresh()
  }, [refresh])

  const signedOut = useCallback(() => {
    setCsrfToken(undefined)
    setSession({ state: "ready", info: undefined })
    navigate("/sign-in", { replace: true })
  }, [])

  const info = session.state === "ready" ? session.info : undefined
  const inApp = place.path === "/" || place.path === "/app" || place.path.startsWith("/app/")

  useEffect(() => {
    if (session.state !== "ready") return
    if (inApp && info === undefined) {
      const next = place.path.startsWith("/app/")
        ? `?next=${encodeURIComponent(`${place.path}${window.location.search}`)}`
        : ""
      navigate(`/sign-in${next}`, { replace: true })
    } else if (place.path === "/" || place.path === "/app") {
      navigate("/app/api-keys", { replace: true })
    }
  }, [session.state, inApp, info, place.path])

  if (session.state === "loading") {
    return (
      <p className="loading" role="status">
        Loading…
      </p>
    )
  }

  const state = info === undefined ? undefined : { info, refresh, signedOut }
  const Public = PUBLIC[place.path]
  if (Public !== undefined) {
    return (
      <SessionContext.Provider value={state}>
        <div className="public">
          <p className="brand">PostStack</p>
          <main id="main">
            <Public />
          </main>
        </div>
      </SessionContext.Provider>
    )
  }
  if (state === undefined) return null
  const Page = SIGNED_IN[place.path] ?? itemPage(place.path) ?? NotFoundPage
  return (
    <SessionContext.Provider value={state}>
      <AppShell path={place.path}>
        <Page key={`${place.path}:${state.info.session.teamId}`} />
      </AppShell>
    </SessionContext.Provider>
  )
}

/** Called by the sign-in page: the session it opened, then where the person was going. */
export const afterSignIn = (next: string | null) => {
  window.location.assign(sameOriginPath(next) ?? "/app/api-keys")
}
