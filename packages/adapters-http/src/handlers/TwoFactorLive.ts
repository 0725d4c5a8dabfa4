import { HttpApiBuilder } from "@effect/platform"
import {
  ConfirmTwoFactor,
  DisableTwoFactor,
  StartTwoFactorEnrolment,
  TwoFactorStore
} from "@poststack/application"
import { InvalidApiKey } from "@poststack/domain"
import { Api, CurrentSession } from "@poststack/contract"
import { Effect, Redacted } from "effect"
import { clientAddress } from "../middleware/ClientAddress.js"
import { retryAfter } from "./AuthLive.js"

const rejected = (e: { readonly message: string }) => Effect.fail(new InvalidApiKey({ message: e.message }))

export const TwoFactorLive = HttpApiBuilder.group(Api, "twoFactor", (handlers) =>
  handlers
    .handle("status", () =>
      Effect.flatMap(CurrentSession, ({ session }) =>
        Effect.flatMap(TwoFactorStore, (store) => store.status(session.userId))
      ).pipe(Effect.map((s) => ({ enabled: s.enabled, backupCodesLeft: s.backupCodesLeft })))
    )
    .handle("enrol", () =>
      Effect.flatMap(CurrentSession, ({ session }) => StartTwoFactorEnrolment(session)).pipe(
        Effect.map((e) => ({ secret: Redacted.value(e.secret), otpauthUri: e.uri, qrCodeSvg: e.qrCodeSvg }))
      )
    )
    .handle("confirm", ({ payload }) =>
      Effect.gen(function* () {
        const { session } = yield* CurrentSession
        const address = (yield* clientAddress) ?? null
        return yield* ConfirmTwoFactor(session, Redacted.value(payload.code), address)
      }).pipe(
        retryAfter,
        Effect.catchTag("CredentialsRejected", rejected),
        Effect.map(({ backupCodes }) => ({ enabled: true as const, backupCodes }))
      )
    )
    .handle("disable", ({ payload }) =>
      Effect.gen(function* () {
        const { session } = yield* CurrentSession
        const address = (yield* clientAddress) ?? null
        yield* DisableTwoFactor(
          session,
          {
            ...(payload.password === undefined ? {} : { password: payload.password }),
            ...(payload.code === undefined ? {} : { code: payload.code })
          },
          address
        )
        return { enabled: false as const }
      }).pipe(retryAfter, Effect.catchTag("CredentialsRejected", rejected))
    )
)
