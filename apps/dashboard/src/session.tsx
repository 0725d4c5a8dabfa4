import type { SessionInfo } from "@poststack/contract"
import { createContext, useContext } from "react"

/** Who is signed in, on which team; `refresh` re-reads `GET /auth/session`. */
export interface SessionState {
  readonly info: SessionInfo
  readonly refresh: () => Promise<void>
  readonly signedOut: () => void
}

export const SessionContext = createContext<SessionState | undefined>(undefined)

export const useSession = (): SessionState => {
  const state = useContext(SessionContext)
  if (state === undefined) throw new Error("useSession outside a signed-in page")
  return state
}

/** The team the session acts on, with the person's role in it. */
export const useCurrentTeam = () => {
  const { info } = useSession()
  return info.teams.find((team) => team.id === info.session.teamId) ?? info.teams[0]
}
