import { SqlClient } from "@effect/sql"
import { SignInStore } from "@poststack/application"
import { Effect, Layer } from "effect"
import { type MembershipRow, toMembership } from "./AccountRows.js"
import { unavailable } from "./SqlErrors.js"

/** A membership as `open_sign_in` answers it, in JSON: its time is a string. */
type TeamJson = Omit<MembershipRow, "created_at"> & { readonly created_at: string }

/** A sign-in's writes in one call of `open_sign_in` (migration 0095): one round trip, one commit. */
export const make = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  return SignInStore.of({
    open: (s) =>
      sql<{
        two_factor: boolean
        teams: ReadonlyArray<TeamJson> | null
        devices: number
        device_known: boolean
      }>`
        SELECT two_factor, teams, devices, device_known FROM open_sign_in(
          ${s.userId}, ${s.sessionId}, ${Buffer.from(s.tokenHash)}, ${s.at}, ${s.expiresAt}, ${s.address},
          ${s.sessionUserAgent}, ${s.auditUserAgent}, ${JSON.stringify(s.details)}::jsonb, ${s.device},
          ${s.forgetBefore})`.pipe(
        Effect.flatMap(([row]) =>
          row === undefined
            ? Effect.die("open_sign_in returned no row")
            : Effect.succeed(
                row.two_factor
                  ? { _tag: "TwoFactorRequired" as const }
                  : {
                      _tag: "Opened" as const,
                      teams: (row.teams ?? []).map((t) =>
                        toMembership({ ...t, created_at: new Date(t.created_at) })
                      ),
                      device: { known: row.device_known, firstSignIn: row.devices === 0 }
                    }
              )
        ),
        unavailable
      )
  })
})

export const layer = Layer.effect(SignInStore, make)
