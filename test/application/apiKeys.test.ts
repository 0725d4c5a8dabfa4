import { createHash, createHmac, hkdfSync } from "node:crypto"
import { describe, expect, it } from "@effect/vitest"
import { NodeCryptoKeyMaterial } from "@poststack/adapters-external"
import { MemoryAuditLog, MemoryRepositories } from "@poststack/adapters-persistence"
import {
  ApiKeyRepository,
  AuditLog,
  withRequestOrigin,
  AuthenticateApiKey,
  asOperator,
  BootstrapTeam,
  CreateApiKey,
  ListApiKeys,
  RevokeApiKey,
  RotateApiKey,
  TeamRepository,
  viaApiKey
} from "@poststack/application"
import type { ApiKeyId, TeamId } from "@poststack/domain"
import { Effect, Either, Layer, Option, Redacted } from "effect"

const ENCRYPTION_KEY = new Uint8Array(32).fill(9)
const TestLayer = Layer.mergeAll(
  MemoryRepositories.layer,
  MemoryAuditLog.layer,
  NodeCryptoKeyMaterial.layer(Redacted.make(ENCRYPTION_KEY))
)

const input = {
  name: "ci",
  permission: "sending_access",
  mode: "live",
  domain: undefined,
  allowFullAccess: false
} as const

const newTeam = Effect.flatMap(TeamRepository, (teams) => teams.create("Acme"))

describe("API key use cases", () => {
  it.effect("mints a key that authenticates, and stores only its hash", () =>
    Effect.gen(function* () {
      const team = yield* newTeam
      const created = yield* CreateApiKey(asOperator(team.id), input)
      const secret = Redacted.value(created.plaintext)
      expect(secret).toMatch(/^sk_live_[A-Za-z0-9_-]{43}$/)
      expect(created.key.keyPrefix).toBe(secret.slice(0, 12))
      const found = yield* AuthenticateApiKey(created.plaintext)
      expect(found.id).toBe(created.key.id)
      expect(found.teamId).toBe(team.id)
      // What is stored is HMAC-SHA256 under a pepper derived from the encryption key, of the
      // secret's SHA-256 (computed here independently): that finds the key, the bare SHA-256 does not.
      const sha256 = createHash("sha256").update(secret).digest()
      const pepper = hkdfSync("sha256", ENCRYPTION_KEY, new Uint8Array(0), "poststack api key pepper v1", 32)
      const peppered = new Uint8Array(createHmac("sha256", Buffer.from(pepper)).update(sha256).digest())
      const keys = yield* ApiKeyRepository
      expect(Option.getOrThrow(yield* keys.findByHash(peppered)).id).toBe(created.key.id)
      expect(Option.isNone(yield* keys.findByHash(new Uint8Array(sha256)))).toBe(true)
    }).pipe(Effect.provide(TestLayer))
  )

  it.effect("refuses unknown, malformed and revoked keys alike", () =>
    Effect.gen(function* () {
      const team = yield* newTeam
      const created = yield* CreateApiKey(asOperator(team.id), input)
      yield* RevokeApiKey(asOperator(team.id), created.key.id)
      for (const attempt of [
        Redacted.value(created.plaintext),
        "sk_live_doesnotexistdoesnotexist",
        "garbage",
        ""
      ]) {
        const result = yield* Effect.either(AuthenticateApiKey(Redacted.make(attempt)))
        expect(Either.isLeft(result) && result.left._tag).toBe("InvalidApiKey")
      }
    }).pipe(Effect.provide(TestLayer))
  )

  it.effect("needs allow_full_access for an API key to mint a full-access key; an operator does not", () =>
    Effect.gen(function* () {
      const team = yield* newTeam
      const full = yield* CreateApiKey(asOperator(team.id), { ...input, permission: "full_access" })
      const denied = yield* Effect.either(
        CreateApiKey(viaApiKey(full.key), { ...input, permission: "full_access" })
      )
      expect(Either.isLeft(denied) && denied.left._tag).toBe("PermissionDenied")
      const allowed = yield* CreateApiKey(viaApiKey(full.key), {
        ...input,
        permission: "full_access",
        allowFullAccess: true
      })
      expect(allowed.key.permission).toBe("full_access")
    }).pipe(Effect.provide(TestLayer))
  )

  it.effect("scopes a key to one of the team's own domains only", () =>
    Effect.gen(function* () {
      const team = yield* newTeam
      const other = yield* newTeam
      const tenancy = yield* MemoryRepositories.MemoryTenancy
      const mine = tenancy.addDomain(team.id, "dom_mine")
      tenancy.addDomain(other.id, "dom_theirs")
      const byPublicId = yield* CreateApiKey(asOperator(team.id), { ...input, domain: "dom_mine" })
      expect(byPublicId.key.domainId).toBe(mine)
      const byNumber = yield* CreateApiKey(asOperator(team.id), { ...input, domain: String(mine) })
      expect(byNumber.key.domainId).toBe(mine)
      const theirs = yield* Effect.either(
        CreateApiKey(asOperator(team.id), { ...input, domain: "dom_theirs" })
      )
      expect(Either.isLeft(theirs) && theirs.left._tag).toBe("DomainNotFound")
      const malformed = yield* Effect.either(
        CreateApiKey(asOperator(team.id), { ...input, domain: "example.com" })
      )
      expect(Either.isLeft(malformed) && malformed.left._tag).toBe("ValidationFailed")
    }).pipe(Effect.provide(TestLayer))
  )

  it.effect("rotation keeps the attributes, issues a new secret and kills the old one", () =>
    Effect.gen(function* () {
      const team = yield* newTeam
      const created = yield* CreateApiKey(asOperator(team.id), { ...input, mode: "test" })
      const rotated = yield* RotateApiKey(asOperator(team.id), created.key.id)
      expect(rotated.key).toMatchObject({ name: "ci", permission: "sending_access", mode: "test" })
      expect(Redacted.value(rotated.plaintext)).toMatch(/^sk_test_/)
      expect(Either.isLeft(yield* Effect.either(AuthenticateApiKey(created.plaintext)))).toBe(true)
      expect((yield* AuthenticateApiKey(rotated.plaintext)).id).toBe(rotated.key.id)
      expect((yield* ListApiKeys(asOperator(team.id))).map((k) => k.id)).toEqual([rotated.key.id])
    }).pipe(Effect.provide(TestLayer))
  )

  it.effect("never reaches another team's key", () =>
    Effect.gen(function* () {
      const a = yield* newTeam
      const b = yield* newTeam
      const keyOfB = yield* CreateApiKey(asOperator(b.id), input)
      for (const attempt of [
        RevokeApiKey(asOperator(a.id), keyOfB.key.id),
        RotateApiKey(asOperator(a.id), keyOfB.key.id)
      ]) {
        const result = yield* Effect.either(attempt)
        expect(Either.isLeft(result) && result.left._tag).toBe("ApiKeyNotFound")
      }
      expect(yield* ListApiKeys(asOperator(a.id))).toEqual([])
      expect(yield* ListApiKeys(asOperator(b.id))).toHaveLength(1)
    }).pipe(Effect.provide(TestLayer))
  )

  it.effect("records when a key was last used", () =>
    Effect.gen(function* () {
      const team = yield* newTeam
      const created = yield* CreateApiKey(asOperator(team.id), input)
      expect(created.key.lastUsedAt).toBeNull()
      yield* AuthenticateApiKey(created.plaintext)
      const keys = yield* ApiKeyRepository
      const stored = yield* keys.get(team.id as TeamId, created.key.id as ApiKeyId)
      expect(Option.getOrThrow(stored).lastUsedAt).toBeInstanceOf(Date)
    }).pipe(Effect.provide(TestLayer))
  )
})

describe("bootstrap", () => {
  it.effect("creates the first team once, with the configured key stored as given", () =>
    Effect.gen(function* () {
      const key = "sk_test_0123456789abcdefghij"
      const first = yield* BootstrapTeam(Option.some(Redacted.make(key)))
      expect(first).toMatchObject({ _tag: "Created", plaintext: Option.none() })
      const again = yield* BootstrapTeam(Option.none())
      expect(again._tag).toBe("AlreadyBootstrapped")
      const found = yield* AuthenticateApiKey(Redacted.make(key))
      expect(found).toMatchObject({ permission: "full_access", mode: "test" })
    }).pipe(Effect.provide(TestLayer))
  )

  it.effect("generates and returns a key when none is configured, and refuses a weak one", () =>
    Effect.gen(function* () {
      const weak = yield* Effect.either(BootstrapTeam(Option.some(Redacted.make("sk_live_short"))))
      expect(Either.isLeft(weak) && weak.left._tag).toBe("ValidationFailed")
      const created = yield* BootstrapTeam(Option.none())
      if (created._tag !== "Created") throw new Error("expected a team")
      const plaintext = Option.getOrThrow(created.plaintext)
      expect((yield* AuthenticateApiKey(plaintext)).permission).toBe("full_access")
    }).pipe(Effect.provide(TestLayer))
  )
})

describe("keys minted by keys", () => {
  it.effect("never reach further than the key that mints them", () =>
    Effect.gen(function* () {
      const team = yield* newTeam
      const tenancy = yield* MemoryRepositories.MemoryTenancy
      const mine = tenancy.addDomain(team.id, "dom_scope")
      const other = tenancy.addDomain(team.id, "dom_other")
      const scoped = yield* CreateApiKey(asOperator(team.id), {
        ...input,
        permission: "full_access",
        domain: "dom_scope"
      })
      const child = yield* CreateApiKey(viaApiKey(scoped.key), { ...input })
      expect(child.key.domainId).toBe(mine)
      const wider = yield* Effect.either(
        CreateApiKey(viaApiKey(scoped.key), { ...input, domain: String(other) })
      )
      expect(Either.isLeft(wider) && wider.left._tag).toBe("PermissionDenied")

      const testKey = yield* CreateApiKey(asOperator(team.id), {
        ...input,
        permission: "full_access",
        mode: "test"
      })
      const live = yield* Effect.either(CreateApiKey(viaApiKey(testKey.key), { ...input, mode: "live" }))
      expect(Either.isLeft(live) && live.left._tag).toBe("PermissionDenied")
      expect((yield* CreateApiKey(viaApiKey(testKey.key), { ...input, mode: "test" })).key.mode).toBe("test")
    }).pipe(Effect.provide(TestLayer))
  )
})

describe("the audit trail of keys", () => {
  it.effect("records who created, rotated and revoked a key, from where, with no secret in it", () =>
    Effect.gen(function* () {
      const team = yield* newTeam
      const admin = yield* CreateApiKey(asOperator(team.id), { ...input, permission: "full_access" })
      const origin = { address: "203.0.113.9", userAgent: "curl/8.5" }
      const made = yield* CreateApiKey(viaApiKey(admin.key), input).pipe(withRequestOrigin(origin))
      const rotated = yield* RotateApiKey(viaApiKey(admin.key), made.key.id).pipe(withRequestOrigin(origin))
      yield* RevokeApiKey(viaApiKey(admin.key), rotated.key.id)
      const { entries, total } = yield* Effect.flatMap(AuditLog, (log) => log.list(team.id, {}, 1, 10))
      expect(total).toBe(4)
      expect(entries.map((e) => [e.action, e.actor])).toEqual([
        ["api_key.revoked", { kind: "api_key", id: String(admin.key.id) }],
        ["api_key.rotated", { kind: "api_key", id: String(admin.key.id) }],
        ["api_key.created", { kind: "api_key", id: String(admin.key.id) }],
        ["api_key.created", { kind: "operator", id: null }]
      ])
      expect(entries[1]?.target).toEqual({ type: "api_key", id: String(rotated.key.id) })
      expect(entries[1]?.details).toMatchObject({ previous_id: String(made.key.id), name: "ci" })
      expect([entries[1]?.address, entries[1]?.userAgent]).toEqual(["203.0.113.9", "curl/8.5"])
      // Outside a request (the CLI) there is no address to record.
      expect([entries[3]?.address, entries[3]?.userAgent]).toEqual([null, null])
      const text = JSON.stringify(entries)
      for (const secret of [admin.plaintext, made.plaintext, rotated.plaintext])
        expect(text).not.toContain(Redacted.value(secret).slice(12))
      // Another team's log is empty.
      const other = yield* newTeam
      expect((yield* Effect.flatMap(AuditLog, (log) => log.list(other.id, {}, 1, 10))).total).toBe(0)
    }).pipe(Effect.provide(TestLayer))
  )
})
