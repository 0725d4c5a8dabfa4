import { HttpApiBuilder, HttpServerResponse } from "@effect/platform"
import {
  ChangeEmail,
  ChangePassword,
  DeleteAccount,
  ExportPersonalData,
  GetAccount,
  UpdateProfile
} from "@poststack/application"
import { InvalidApiKey } from "@poststack/domain"
import { Effect } from "effect"
import { Api } from "@poststack/contract"
import { CurrentSession } from "@poststack/contract"
import { clientAddress } from "../middleware/ClientAddress.js"
import { toTeamView, toUserView } from "./accountViews.js"
import { retryAfter } from "./AuthLive.js"

const view = ({ user, teams }: Effect.Effect.Success<ReturnType<typeof GetAccount>>) => ({
  user: toUserView(user),
  teams: teams.map(toTeamView)
})

export const AccountLive = HttpApiBuilder.group(Api, "account", (handlers) =>
  handlers
    .handle("get", () =>
      Effect.flatMap(CurrentSession, ({ session }) => GetAccount(session.userId)).pipe(
        Effect.catchTag("SessionRequired", (e) => Effect.fail(new InvalidApiKey({ message: e.message }))),
        Effect.map(view)
      )
    )
    .handle("update", ({ payload }) =>
      Effect.flatMap(CurrentSession, ({ session }) =>
        UpdateProfile(session.userId, {
          ...(payload.name === undefined ? {} : { name: payload.name }),
          ...(payload.timeZone === undefined ? {} : { timeZone: payload.timeZone })
        })
      ).pipe(
        Effect.catchTag("SessionRequired", (e) => Effect.fail(new InvalidApiKey({ message: e.message }))),
        Effect.map(view)
      )
    )
    .handle("changePassword", ({ payload }) =>
      Effect.flatMap(CurrentSession, ({ session }) =>
        ChangePassword(session, payload.currentPassword, payload.newPassword)
      ).pipe(
        retryAfter,
        Effect.catchTag("CredentialsRejected", (e) => Effect.fail(new InvalidApiKey({ message: e.message }))),
        Effect.map(({ endedSessions }) => ({ success: true as const, endedSessions }))
      )
    )
    .handle("changeEmail", ({ payload }) =>
      Effect.flatMap(CurrentSession, ({ session }) =>
        ChangeEmail(session, payload.password, payload.newEmail)
      ).pipe(
        retryAfter,
        Effect.catchTag("CredentialsRejected", (e) => Effect.fail(new InvalidApiKey({ message: e.message }))),
        Effect.as({ message: "A confirmation link is on its way to the new address." })
      )
    )
    .handle("deleteAccount", ({ payload }) =>
      Effect.gen(function* () {
        const { session } = yield* CurrentSession
        const address = (yield* clientAddress) ?? null
        return yield* DeleteAccount(session, payload, address)
      }).pipe(
        retryAfter,
        Effect.catchTag("CredentialsRejected", (e) => Effect.fail(new InvalidApiKey({ message: e.message }))),
        Effect.map(({ teamsClosed }) => ({ deleted: true as const, teamsClosed }))
      )
    )
    .handle("exportData", () =>
      Effect.flatMap(CurrentSession, ({ session }) => ExportPersonalData(session.userId)).pipe(
        Effect.catchTag("SessionRequired", (e) => Effect.fail(new InvalidApiKey({ message: e.message }))),
        Effect.map((archive) =>
          HttpServerResponse.uint8Array(new TextEncoder().encode(JSON.stringify(archive, null, 2)), {
            contentType: "application/json",
            headers: {
              "content-disposition": `attachment; filename="poststack-personal-data-${archive.account.id}.json"`,
              "cache-control": "no-store",
              "x-content-type-options": "nosniff"
            }
          })
        )
      )
    )
)
