import {
  clipUserAgent,
  type SessionId,
  Session,
  sessionExpiry,
  TWO_FACTOR_CHALLENGE_MS,
  type User
} from "@poststack/domain"
import { Clock, Effect, Option } from "effect"
import { AccountTokens } from "../../ports/AccountTokens.js"
import { SignInStore } from "../../ports/SignInStore.js"
import { TwoFactorStore } from "../../ports/TwoFactorStore.js"
import type { ClientContext } from "./ClientContext.js"
import { deviceOf, mailIfNewDevice, NoticeNewDevice } from "./NoticeNewDevice.js"
import { StartSession } from "./StartSession.js"
import { auditPerson } from "./auditPerson.js"

/** With two-factor authentication on: a challenge (its token shown once, its SHA-256 kept). */
const challenge = (user: User) =>
  Effect.gen(function* () {
    const minted = yield* (yield* AccountTokens).mint()
    const expiresAt = new Date((yield* Clock.currentTimeMillis) + TWO_FACTOR_CHALLENGE_MS)
    yield* (yield* TwoFactorStore).createChallenge({ tokenHash: minted.hash, userId: user.id, expiresAt })
    return { _tag: "TwoFactorRequired" as const, challenge: minted.token, expiresAt }
  })

/**
 * The same writes as the path below, in one step of the store (`SignInStore`): the session, the
 * audit entry and the device noted are then all or nothing.
 */
const openInOneStep = (
  store: SignInStore["Type"],
  user: User,
  client: ClientContext,
  method: "password" | "github"
) =>
  Effect.gen(function* () {
    const tokens = yield* AccountTokens
    const minted = yield* tokens.mint()
    const device = yield* deviceOf(client)
    const id = (yield* tokens.newId("ses")) as SessionId
    const userAgent = client.userAgent === null ? null : client.userAgent.slice(0, 512)
    const expiresAt = sessionExpiry(device.at)
    const opened = yield* store.open({
      userId: user.id,
      sessionId: id,
      tokenHash: minted.hash,
      at: device.at,
      expiresAt,
      address: client.address,
      sessionUserAgent: userAgent,
      auditUserAgent: clipUserAgent(client.userAgent),
      details: { method },
      device: device.hash,
      forgetBefore: device.forgetBefore
    })
    if (opened._tag === "TwoFactorRequired") return yield* challenge(user)
    const session = Session.make(
      {
        id,
        userId: user.id,
        teamId: opened.teams[0]?.teamId ?? null,
        createdAt: device.at,
        expiresAt,
        lastSeenAt: device.at,
        address: client.address,
        userAgent
      },
      { disableValidation: true }
    )
    yield* mailIfNewDevice(user, device, opened.device)
    return {
      _tag: "SignedIn" as const,
      user,
      session,
      token: minted.token,
      csrfToken: tokens.csrfToken(minted.token),
      teams: opened.teams
    }
  })

/**
 * The end of a first factor (password or GitHub): a session, or, with two-factor authentication
 * on, a short-lived challenge bound to this person that `CompleteSignIn` trades with a code for
 * the session. Its token is shown once; only its SHA-256 is kept.
 */
export const OpenSignIn = Effect.fnUntraced(function* (
  user: User,
  client: ClientContext,
  method: "password" | "github"
) {
  const oneStep = yield* Effect.serviceOption(SignInStore)
  if (Option.isSome(oneStep)) return yield* openInOneStep(oneStep.value, user, client, method)
  if ((yield* (yield* TwoFactorStore).status(user.id)).enabled) return yield* challenge(user)
  const started = yield* StartSession(user.id, client)
  yield* auditPerson(user.id, "account.signed_in", "personal", {
    details: { method },
    client,
    memberOf: started.teams
  })
  yield* NoticeNewDevice(user, client)
  return { _tag: "SignedIn" as const, user, ...started }
})
