import { HttpApiBuilder } from "@effect/platform"
import {
  AcceptInvitation,
  ChangeRole,
  CloseTeam,
  CreateTeam,
  GetAccount,
  InviteMember,
  ListInvitations,
  ListMembers,
  RemoveMember,
  RevokeInvitation
} from "@poststack/application"
import { InvalidApiKey, type TeamId, ValidationFailed } from "@poststack/domain"
import { Clock, Effect } from "effect"
import { Api } from "@poststack/contract"
import { CurrentSession } from "@poststack/contract"
import { clientAddress } from "../middleware/ClientAddress.js"
import { toInvitationView, toMemberView, toTeamView } from "./accountViews.js"
import { retryAfter } from "./AuthLive.js"

const userId = Effect.map(CurrentSession, (current) => current.session.userId)
const now = Effect.map(Clock.currentTimeMillis, (ms) => new Date(ms))

export const TeamsLive = HttpApiBuilder.group(Api, "teams", (handlers) =>
  handlers
    .handle("list", () =>
      Effect.flatMap(userId, GetAccount).pipe(
        Effect.catchTag("SessionRequired", (e) => Effect.fail(new InvalidApiKey({ message: e.message }))),
        Effect.map(({ teams }) => ({ data: teams.map(toTeamView) }))
      )
    )
    .handle("create", ({ payload }) =>
      Effect.flatMap(userId, (actor) => CreateTeam(actor, payload.name)).pipe(Effect.map(toTeamView))
    )
    .handle("members", ({ path }) =>
      Effect.flatMap(userId, (actor) => ListMembers(actor, path.teamId as TeamId)).pipe(
        Effect.map((members) => ({ data: members.map(toMemberView) }))
      )
    )
    .handle("changeRole", ({ path, payload }) =>
      Effect.flatMap(userId, (actor) =>
        ChangeRole(actor, path.teamId as TeamId, path.userId, payload.role)
      ).pipe(Effect.map(toMemberView))
    )
    .handle("close", ({ path, payload }) =>
      Effect.gen(function* () {
        const { session } = yield* CurrentSession
        const address = (yield* clientAddress) ?? null
        return yield* CloseTeam(session, path.teamId as TeamId, payload, address)
      }).pipe(
        retryAfter,
        Effect.catchTag("CredentialsRejected", (e) => Effect.fail(new InvalidApiKey({ message: e.message }))),
        Effect.map((closed) => ({
          closed: true as const,
          closedAt: closed.closedAt,
          deletionAfter: closed.deletionAfter,
          keysRevoked: closed.keysRevoked,
          emailsCancelled: closed.emailsCancelled
        }))
      )
    )
    .handle("removeMember", ({ path }) =>
      Effect.flatMap(userId, (actor) => RemoveMember(actor, path.teamId as TeamId, path.userId)).pipe(
        Effect.as({ success: true as const, deleted: true as const })
      )
    )
    .handle("invitations", ({ path }) =>
      Effect.gen(function* () {
        const invitations = yield* ListInvitations(yield* userId, path.teamId as TeamId)
        const at = yield* now
        return { data: invitations.map((i) => toInvitationView(i, at)) }
      })
    )
    .handle("invite", ({ path, payload }) =>
      Effect.gen(function* () {
        const invitation = yield* InviteMember(yield* userId, path.teamId as TeamId, payload)
        return toInvitationView(invitation, yield* now)
      })
    )
    .handle("revokeInvitation", ({ path }) =>
      Effect.flatMap(userId, (actor) => RevokeInvitation(actor, path.teamId as TeamId, path.id)).pipe(
        Effect.as({ success: true as const, deleted: true as const })
      )
    )
    .handle("acceptInvitation", ({ payload }) =>
      Effect.flatMap(userId, (actor) => AcceptInvitation(actor, payload.token)).pipe(
        Effect.catchTag("LinkInvalid", (e) => Effect.fail(new ValidationFailed({ message: e.message }))),
        Effect.map(toTeamView)
      )
    )
)
