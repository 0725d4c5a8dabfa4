import { HttpApiBuilder } from "@effect/platform"
import {
  GetAccount,
  ListSessions,
  RevokeSession,
  SelectTeam,
  SignOut,
  SignOutEverywhere,
  SystemMailReady
} from "@poststack/application"
import { InvalidApiKey, type TeamId } from "@poststack/domain"
import { Effect, Option } from "effect"
import { Api } from "@poststack/contract"
import { CurrentSession } from "@poststack/contract"
import { clearSessionCookie } from "../middleware/SessionCookie.js"
import { toSessionView, toTeamView, toUserView } from "./accountViews.js"

const info = Effect.gen(function* () {
  const current = yield* CurrentSession
  const { user, teams } = yield* GetAccount(current.session.userId).pipe(
    Effect.catchTag("SessionRequired", (e) => Effect.fail(new InvalidApiKey({ message: e.message })))
  )
  return { user, teams, current }
})

export const SessionsLive = HttpApiBuilder.group(Api, "sessions", (handlers) =>
  handlers
    .handle("current", () =>
      Effect.gen(function* () {
        const { user, teams, current } = yield* info
        return {
          user: toUserView(user),
          session: toSessionView(current.session, current.session.id),
          teams: teams.map(toTeamView),
          csrfToken: current.csrfToken,
          systemMail: yield* SystemMailReady
        }
      })
    )
    .handle("signOut", () =>
      Effect.gen(function* () {
        yield* SignOut((yield* CurrentSession).session)
        yield* clearSessionCookie
        return { success: true as const }
      })
    )
    .handle("selectTeam", ({ payload }) =>
      Effect.gen(function* () {
        const current = yield* CurrentSession
        yield* SelectTeam(current.session, payload.teamId as TeamId)
        const { user, teams } = yield* info
        const session = (yield* ListSessions(current.session.userId)).find((s) => s.id === current.session.id)
        return {
          user: toUserView(user),
          session: toSessionView(
            Option.getOrElse(Option.fromNullable(session), () => current.session),
            current.session.id
          ),
          teams: teams.map(toTeamView),
          csrfToken: current.csrfToken,
          systemMail: yield* SystemMailReady
        }
      })
    )
    .handle("list", () =>
      Effect.gen(function* () {
        const current = yield* CurrentSession
        const sessions = yield* ListSessions(current.session.userId)
        return { data: sessions.map((s) => toSessionView(s, current.session.id)) }
      })
    )
    .handle("signOutEverywhere", () =>
      Effect.gen(function* () {
        const ended = yield* SignOutEverywhere((yield* CurrentSession).session.userId)
        yield* clearSessionCookie
        return { success: true as const, ended }
      })
    )
    .handle("revoke", ({ path }) =>
      Effect.gen(function* () {
        const current = yield* CurrentSession
        yield* RevokeSession(current.session.userId, path.id)
        if (path.id === current.session.id) yield* clearSessionCookie
        return { success: true as const, deleted: true as const }
      })
    )
)
