import { describe, expect, it } from "@effect/vitest"
import {
  NodeCryptoAccountTokens,
  NodeCryptoDigest,
  UaParserUserAgentParser
} from "@poststack/adapters-external"
import {
  MemoryAccounts,
  MemoryAuditLog,
  MemoryRateLimiterStore,
  MemoryRepositories,
  MemoryTwoFactorStore
} from "@poststack/adapters-persistence"
import {
  AuditLog,
  ChangeRole,
  DomainRepository,
  EmailRepository,
  MembershipRepository,
  PasswordHasher,
  SelectTeam,
  SignIn,
  SignUp,
  SystemMailSettings,
  UserRepository
} from "@poststack/application"
import type { UserId } from "@poststack/domain"
import { Effect, Layer, Option, Redacted } from "effect"

/** A hasher that records what it is asked: `hash:<password>` is the "hash" of a password. */
const calls: Array<string> = []
let outdated = false
const FakeHasher = Layer.succeed(
  PasswordHasher,
  PasswordHasher.of({
    hash: (password) => Effect.sync(() => `hash:${Redacted.value(password)}`),
    verify: (stored, password) =>
      Effect.sync(() => {
        calls.push(stored === null ? "decoy" : "stored")
        return { matches: stored === `hash:${Redacted.value(password)}`, outdated }
      })
  })
)
/** System mail is off here (no sender), so nothing reaches the mail ports. */
const unused = <S>(tag: { of: (s: S) => S }) =>
  tag.of(new Proxy({}, { get: () => () => Effect.die("unused") }) as S)
const TestLayer = Layer.mergeAll(
  MemoryAccounts.layer,
  MemoryAuditLog.layer,
  MemoryTwoFactorStore.layer,
  FakeHasher,
  NodeCryptoAccountTokens.layer,
  NodeCryptoDigest.layer,
  UaParserUserAgentParser.layer,
  MemoryRateLimiterStore.layer,
  MemoryRepositories.layer,
  Layer.succeed(SystemMailSettings, { from: Option.none(), publicUrl: "http://x.test" }),
  Layer.succeed(DomainRepository, unused(DomainRepository)),
  Layer.succeed(EmailRepository, unused(EmailRepository))
)
/** Without two-factor authentication a right password opens a session. */
const session = <A extends { readonly _tag: string }>(outcome: A) =>
  outcome._tag === "SignedIn"
    ? Effect.succeed(outcome as Extract<A, { _tag: "SignedIn" }>)
    : Effect.die("unexpected two-factor challenge")
const client = { address: "192.0.2.7", userAgent: "test" }
const password = Redacted.make("correct horse battery")

const verifiedPerson = (email: string) =>
  Effect.gen(function* () {
    yield* SignUp({ email, password, name: "", timeZone: "UTC" }, client)
    const users = yield* UserRepository
    const found = Option.getOrThrow(yield* users.findByEmail(email))
    yield* users.markEmailVerified(found.user.id, new Date())
    return found.user.id
  })

describe("account use cases (memory twins)", () => {
  it.effect("checks one hash for an unknown address as for a known one, and answers both alike", () =>
    Effect.gen(function* () {
      const known = yield* verifiedPerson("known@people.test")
      calls.length = 0
      const wrong = yield* Effect.flip(
        SignIn({ email: "known@people.test", password: Redacted.make("nope") }, client)
      )
      const unknown = yield* Effect.flip(SignIn({ email: "ghost@people.test", password }, client))
      expect(calls).toEqual(["stored", "decoy"])
      expect(wrong).toEqual(unknown)
      expect(wrong._tag).toBe("CredentialsRejected")
      // The known person's team sees the failure with them as actor; the unknown one belongs to no team.
      const team = (yield* (yield* MembershipRepository).listForUser(known))[0]?.teamId
      if (team === undefined) return yield* Effect.die("no team")
      const { entries } = yield* Effect.flatMap(AuditLog, (log) => log.list(team, {}, 1, 10))
      expect(entries.map((e) => [e.action, e.actor, e.address, e.details])).toEqual([
        ["account.sign_in_failed", { kind: "user", id: String(known) }, "192.0.2.7", { method: "password" }]
      ])
    }).pipe(Effect.provide(TestLayer))
  )

  it.effect(
    "re-hashes an outdated hash on a successful sign-in, and opens a session on the person's first team",
    () =>
      Effect.gen(function* () {
        const id = yield* verifiedPerson("old@people.test")
        const users = yield* UserRepository
        yield* users.setPasswordHash(id, "hash:correct horse battery")
        outdated = true
        const signedIn = yield* SignIn({ email: "OLD@people.test", password }, client).pipe(
          Effect.flatMap(session)
        )
        outdated = false
        expect(signedIn.session.teamId).not.toBeNull()
        expect(signedIn.session.address).toBe("192.0.2.7")
        expect(signedIn.csrfToken).toMatch(/^[A-Za-z0-9_-]{43}$/)
        expect(Redacted.value(signedIn.token)).not.toBe(signedIn.csrfToken)
        const teams = yield* (yield* MembershipRepository).listForUser(id)
        expect(signedIn.session.teamId).toBe(teams[0]?.teamId)
      }).pipe(Effect.provide(TestLayer))
  )

  it.effect("refuses selecting a team the person is not in, and demoting a team's last owner", () =>
    Effect.gen(function* () {
      const a = yield* verifiedPerson("a@people.test")
      const b = yield* verifiedPerson("b@people.test")
      const signedIn = yield* SignIn({ email: "a@people.test", password }, client).pipe(
        Effect.flatMap(session)
      )
      const bTeam = (yield* (yield* MembershipRepository).listForUser(b))[0]?.teamId
      if (bTeam === undefined) return yield* Effect.die("no team")
      const selected = yield* Effect.flip(SelectTeam(signedIn.session, bTeam))
      expect(selected._tag).toBe("ResourceNotFound")
      const demoted = yield* Effect.flip(ChangeRole(b, bTeam, b, "admin"))
      expect(demoted._tag).toBe("ValidationFailed")
      const foreign = yield* Effect.flip(ChangeRole(a, bTeam, b as UserId, "member"))
      expect(foreign._tag).toBe("ResourceNotFound")
    }).pipe(Effect.provide(TestLayer))
  )
})
