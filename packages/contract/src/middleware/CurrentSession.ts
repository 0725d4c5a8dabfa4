import type { Session, User } from "@poststack/domain"
import { Context, type Redacted } from "effect"

/** The signed-in person of a request to the account and team routes, and their session. */
export class CurrentSession extends Context.Tag("@poststack/contract/CurrentSession")<
  CurrentSession,
  {
    readonly session: Session
    readonly user: User
    readonly csrfToken: string
    /** The cookie's secret, for the few routes that must re-derive from it. */
    readonly token: Redacted.Redacted<string>
  }
>() {}
